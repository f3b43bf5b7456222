"""Text a database can store, from text that quotes whatever someone sent.

A refusal's reason and origin can quote untrusted input (a JSON key, a URL):
PostgreSQL refuses a NUL in a text column, and no database driver can encode a
lone surrogate as UTF-8. Either would fail the write every time it is retried,
so the quarantine that keeps the refusal would stop everything behind it.
"""

import re

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _escaped(match: re.Match[str]) -> str:
    return f"\\u{ord(match[0]):04x}"


def storable(text: str, limit: int | None = None) -> str:
    """``text`` with each NUL and lone surrogate written as its ``\\uXXXX`` escape, cut to
    ``limit`` characters (after escaping, which lengthens it)."""
    return _UNSTORABLE.sub(_escaped, text)[:limit]
