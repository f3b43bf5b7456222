"""Which entries of the signed tree the public sees: those their own source signed.

The tree proves only that the ledger logged an entry; the source's signature,
under keys from this notifier's configuration, proves that the city said it.
An entry that fails (a signature, or text with a control character that an
older ledger took) is quarantined and the tree still advances past it.
"""

from typing import Any

from notifier.trust import Trust
from periplus.events import (
    LEDGER_NOTICES,
    SEQ_RESOLVED,
    WITHHELD,
    EventRejectedError,
    parse_envelope,
)
from periplus.sources import ROTATION

ONLY_THE_LEDGER = {WITHHELD: "withhold an entry", SEQ_RESOLVED: "resolve a seq"}


def admit(trust: Trust, index: int, leaf: bytes) -> dict[str, Any]:
    """The event of a leaf the signed tree holds, or EventRejectedError saying why not.

    A key rotation that verifies is followed at once: the entries after it in
    the same batch are signed by the new key. An unsigned entry is taken only
    below ``trust.unsigned_before``: a log keeps what it appended before signatures.
    """
    envelope = parse_envelope(leaf)
    if envelope.leaf != leaf:
        raise EventRejectedError("the leaf is not the RFC 8785 form of its event")
    if envelope.source == trust.ledger_source and envelope.type not in LEDGER_NOTICES:
        raise EventRejectedError(
            f"the ledger ({trust.ledger_source}) only states withholdings and resolved seqs"
        )
    if envelope.type in LEDGER_NOTICES and envelope.source != trust.ledger_source:
        raise EventRejectedError(
            f"only the ledger ({trust.ledger_source}) may {ONLY_THE_LEDGER[envelope.type]}"
        )
    if envelope.sig is None and index < trust.unsigned_before:
        return envelope.to_json()
    if envelope.type == ROTATION:
        trust.sources.follow(envelope)
    else:
        trust.sources.check(envelope)
    return envelope.to_json()
