"""Which links built from published data a page may make.

A URL in an entry (a report's document, say) becomes a link only when it is an
absolute ``https:`` or ``http:`` URL; anything else (``javascript:``, ``data:``,
a relative path) is shown as text, so no entry can run script in a reader's
browser or send them somewhere the city did not name.
"""

from urllib.parse import urlsplit

SCHEMES = frozenset({"https", "http"})


def web_href(url: object) -> str | None:
    """``url`` if it is an absolute web address, else None."""
    text = str(url or "").strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        return None
    if parts.scheme.lower() in SCHEMES and parts.netloc:
        return text
    return None
