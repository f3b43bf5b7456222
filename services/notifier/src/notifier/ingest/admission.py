"""Which entries of the signed tree the public sees: those their own source signed.

The tree proves only that the ledger logged an entry; the source's signature,
under keys from this notifier's configuration, proves that the city said it.
An entry that fails (a signature, or text with a control character that an
older ledger took) is quarantined and the tree still advances past it.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from notifier.trust import Trust
from periplus.events import (
    LEDGER_NOTICES,
    SEQ_RESOLVED,
    WITHHELD,
    Envelope,
    EventRejectedError,
    parse_envelope,
)
from periplus.note import Verifier
from periplus.sources import ROTATION

ONLY_THE_LEDGER = {WITHHELD: "withhold an entry", SEQ_RESOLVED: "resolve a seq"}


Admitted = dict[str, Any] | EventRejectedError
Read = Envelope | EventRejectedError
Checked = Verifier | EventRejectedError


def read(trust: Trust, leaf: bytes) -> Read:
    """A leaf's envelope, or why its form or source is refused: no signature is checked, no
    key followed, so this may run ahead, in another thread, on entries read ahead."""
    try:
        return _read(trust, leaf)
    except EventRejectedError as exc:
        return exc


def check_ahead(trust: Trust, reads: Sequence[tuple[int, Read]]) -> dict[int, Checked]:
    """The signatures of entries read ahead, by index, checked under the keys in force now.

    None when a rotation is among them (the entries after it are checked under
    the key it names); the caller drops them if a rotation is followed before
    they are used.
    """
    envelopes = [(index, r) for index, r in reads if isinstance(r, Envelope)]
    if any(envelope.type == ROTATION for _, envelope in envelopes):
        return {}
    signed = [(index, envelope) for index, envelope in envelopes if envelope.sig is not None]
    verdicts = trust.sources.check_many([envelope for _, envelope in signed])
    return {index: verdict for (index, _), verdict in zip(signed, verdicts, strict=True)}


def admit_many(
    trust: Trust,
    leaves: Sequence[tuple[int, bytes]],
    reads: Sequence[Read] | None = None,
    checked: Mapping[int, Checked] | None = None,
) -> list[Admitted]:
    """The event of each ``(index, leaf)`` the signed tree holds, in order, or in its place
    the EventRejectedError saying why it is refused; ``reads``, each leaf's ``read`` if it
    was made already, and ``checked``, the signatures ``check_ahead`` checked already
    under the keys still in force.

    The signatures between two key rotations are checked together
    (``SourceKeys.check_many``, over a thread per core); a rotation is followed
    where it stands, so the entries after it are checked under the new key.
    """
    found: list[Admitted] = []
    waiting: list[tuple[int, Envelope]] = []  # (place in found, envelope) to check

    def check_waiting() -> None:
        checked = trust.sources.check_many([envelope for _, envelope in waiting])
        for (at, _), verdict in zip(waiting, checked, strict=True):
            if isinstance(verdict, EventRejectedError):
                found[at] = verdict
        waiting.clear()

    if reads is None:
        reads = [read(trust, leaf) for _, leaf in leaves]
    for (index, _), envelope in zip(leaves, reads, strict=True):
        if isinstance(envelope, EventRejectedError):
            found.append(envelope)
            continue
        if envelope.sig is None and index < trust.unsigned_before:
            found.append(envelope.to_json())  # from before signatures
        elif checked is not None and index in checked:
            verdict = checked[index]
            if isinstance(verdict, EventRejectedError):
                found.append(verdict)
            else:
                found.append(envelope.to_json())
        elif envelope.type == ROTATION:
            check_waiting()
            try:
                trust.sources.follow(envelope)
            except EventRejectedError as exc:
                found.append(exc)
            else:
                found.append(envelope.to_json())
        else:
            waiting.append((len(found), envelope))
            found.append(envelope.to_json())
    check_waiting()
    return found


def _read(trust: Trust, leaf: bytes) -> Envelope:
    """The envelope of a leaf, if its form and its source may be taken at all.

    An unsigned entry is taken only below ``trust.unsigned_before``: a log keeps
    what it appended before signatures (the caller checks every other signature).
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
    return envelope
