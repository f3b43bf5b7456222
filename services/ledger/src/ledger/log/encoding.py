"""RFC 8785 canonical bytes, fast for the values events hold.

For JSON made of strings, small integers, booleans, nulls, objects and arrays,
with object keys below U+D800, RFC 8785 and Python's ``json.dumps`` (sorted
keys, no spaces, no ASCII escaping) write the same bytes: both escape only
the quote, the backslash and control characters, in the same spelling, and
the two key orders (UTF-16 code units, code points) agree below U+D800. Any
other value goes to the reference encoder, so the result is always RFC 8785.
"""

import json
from typing import Any

from periplus.canonical import canonical_bytes

SAFE_INTEGER = 2**53 - 1
_encode = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode


def _plain(value: Any) -> bool:
    """True if the value has no float, no unsafe integer and no key at or above U+D800."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str) or item is None or isinstance(item, bool):
            continue
        if isinstance(item, int):
            if -SAFE_INTEGER <= item <= SAFE_INTEGER:
                continue
            return False
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str) or (key and max(key) >= "\ud800"):
                    return False
                stack.append(child)
            continue
        if isinstance(item, list):
            stack.extend(item)
            continue
        return False
    return True


def canonical(value: Any) -> bytes:
    """The RFC 8785 bytes of a JSON value."""
    if _plain(value):
        try:
            return _encode(value).encode("utf-8")
        except UnicodeEncodeError:
            pass  # a lone surrogate: let the reference encoder refuse it
    return canonical_bytes(value)
