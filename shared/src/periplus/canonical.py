"""RFC 8785 (JCS) canonical JSON: the exact bytes that become a ledger leaf.

Every party that hashes an event must produce the same bytes from the same
value, whatever JSON library or key order it uses; JCS fixes that.
"""

from typing import Any

import rfc8785


def canonical_bytes(value: Any) -> bytes:
    """Encode a JSON-compatible value as RFC 8785 canonical UTF-8 bytes."""
    return rfc8785.dumps(value)
