"""How a record, from the broker or a catch-up endpoint, becomes a fact or a refusal.

Whoever can write to the broker is not trusted: an event of a source of the
log is taken only if it verifies under a key of that source pinned in the
ledger's configuration (or named by that source's own signed rotation), and
no source may state what only the ledger itself states.
"""

from collections.abc import Collection
from typing import Any, NamedTuple

from ledger.log.fact import Fact, fact
from periplus.events import (
    LEDGER_NOTICES,
    SEQ_RESOLVED,
    WITHHELD,
    Envelope,
    EventRejectedError,
    parse_envelope,
)
from periplus.kafka import Record
from periplus.sources import ROTATION, Claim, SourceKeys

ONLY_THE_LEDGER = {
    WITHHELD: "only the ledger itself may state a withholding",
    SEQ_RESOLVED: "only the ledger itself may resolve a seq",
}


class Received(NamedTuple):
    """A record as read: where it came from, its bytes, and its fact or why it was refused."""

    origin: str
    raw: Any  # bytes from the broker, JSON from a catch-up endpoint
    parsed: Fact | str


def read_all(records: list[Record], sources: Collection[str], keys: SourceKeys) -> list[Received]:
    """Every record of a batch read, the signatures of its sources' events checked at once.

    Each envelope is cut down to its fact and its signature's claim as soon as
    it is read: a batch that kept every event's parsed JSON until its signatures
    were checked would have the interpreter's collector walk it over and over.
    """
    received: list[Received] = []
    claims: list[tuple[int, Claim]] = []
    for record in records:
        origin = f"{record.topic}/{record.partition}/{record.offset}"
        item = parse(record.value, sources, keys)
        if isinstance(item, str):
            received.append(Received(origin, record.value, item))
            continue
        if item.source in sources and item.type != ROTATION:
            claims.append((len(received), Claim.of(item)))
        received.append(Received(origin, record.value, fact(item)))
    checked = keys.check_many([claim for _, claim in claims])
    for (at, _), outcome in zip(claims, checked, strict=True):
        if isinstance(outcome, EventRejectedError):
            received[at] = received[at]._replace(parsed=str(outcome))
    return received


def read(raw: Any, sources: Collection[str], keys: SourceKeys) -> Fact | str:
    """The fact of one record, or the reason it is refused."""
    envelope = parse(raw, sources, keys)
    if isinstance(envelope, str):
        return envelope
    if envelope.source in sources and envelope.type != ROTATION:
        try:
            keys.check(envelope)
        except EventRejectedError as exc:
            return str(exc)
    return fact(envelope)


def parse(raw: Any, sources: Collection[str], keys: SourceKeys) -> Envelope | str:
    """The envelope of one record, its signature still to check unless it is a
    rotation; or the reason it is refused."""
    if not isinstance(raw, bytes | str | dict):
        return "an event is a JSON object"
    try:
        envelope = parse_envelope(raw)
        if envelope.type in LEDGER_NOTICES:
            raise EventRejectedError(ONLY_THE_LEDGER[envelope.type])
        if envelope.source in sources and envelope.type == ROTATION:
            # A rotation names its successor at once (checked here, in order):
            # the events its new key signs may follow in this very batch.
            keys.follow(envelope)
        return envelope
    except EventRejectedError as exc:
        return str(exc)
