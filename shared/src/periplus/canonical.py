"""RFC 8785 (JCS) canonical JSON: the exact bytes that become a ledger leaf.

Every party that hashes an event must produce the same bytes from the same
value, whatever JSON library or key order it uses; JCS fixes that.

For JSON made of strings, safe integers, booleans, nulls, objects and arrays,
RFC 8785 and orjson with sorted keys write the same bytes: both escape only
the quote, the backslash and control characters, in the same spelling, and
the two key orders (UTF-16 code units, code points) agree unless characters
past U+FFFF appear. Events are such values, so they take that fast path; any
other value (a float, say) goes to the reference encoder.
"""

from typing import Any

import orjson
import rfc8785

# Past 2^53 an integer is refused, and the reference encoder has the last word.
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_STRICT_INTEGER
# The lead bytes of a character past U+FFFF in UTF-8.
_SUPPLEMENTARY = tuple(bytes([lead]) for lead in range(0xF0, 0xF5))


def canonical_bytes(value: Any) -> bytes:
    """Encode a JSON-compatible value as RFC 8785 canonical UTF-8 bytes.

    Raises ValueError for a value that has no such form: a lone surrogate,
    an integer beyond 2^53, a non-finite float.
    """
    if _floatless(value):
        try:
            encoded = orjson.dumps(value, option=_OPTIONS)
        except TypeError:
            pass  # a lone surrogate, an unsafe integer: let the reference encoder say
        else:
            # Past U+FFFF the two key orders may differ: rare, and left to the reference.
            if encoded.isascii() or not any(lead in encoded for lead in _SUPPLEMENTARY):
                return encoded
    return rfc8785.dumps(value)


def _floatless(value: Any) -> bool:
    """True if the value is an object or array of strings, integers, booleans and nulls."""
    if type(value) is not dict and type(value) is not list:
        return False
    stack = [value]
    while stack:
        item = stack.pop()
        for child in item.values() if type(item) is dict else item:
            kind = type(child)
            if kind is str or kind is int or kind is bool or child is None:
                continue
            if kind is dict or kind is list:
                stack.append(child)
                continue
            return False
    return True
