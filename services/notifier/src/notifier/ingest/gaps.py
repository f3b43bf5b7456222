"""A gap in the ledger's log that this site's operator accepts, in public.

After a seq that nothing in the log accounts for, every later entry of its source is
refused (``notifier.ingest.sequence``): the site would otherwise show a record lacking an
event the source signed. When the event is gone for good and the ledger's operators make
no public notice of it, only this site's operator can decide to go on, and that decision
is public: it is kept here and listed on ``/notices`` with the seqs, the date and the
reason.

Accepting a gap after seq N of a source shows again, in log order, the source's entries
refused since: they passed every check but their seq (their quarantine reason says
"alarm:", which only ``quarantine.out_of_sequence`` writes, after the signature was
verified), so their bytes, kept in the quarantine, are what the verified tree holds. Only
the seqs between N and the first of them are accepted as passed: an older or repeated seq
(a replay) stays refused, and so does every entry after another gap, until its own
decision. It runs with the verified tree locked, so no batch is applied meanwhile, and a
batch read before it is read again (``Order.changed``).
"""

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from notifier.channels.webhooks import fanout
from notifier.ingest import sequence, service, tree
from notifier.ingest.models import GapAccepted, Quarantined, SourceSeq
from periplus.events import Envelope, EventRejectedError, parse_envelope

ALARM = "alarm: "


class GapError(Exception):
    """The source is not held at that seq: there is no gap there to accept."""


@dataclass(frozen=True)
class Held:
    """An entry refused for its seq, kept in the quarantine."""

    row: Quarantined
    index: int
    envelope: Envelope


def accept(engine: Engine, source: str, after: int, reason: str, own: str) -> GapAccepted:
    """Record that the log jumps past ``source``'s seqs after ``after``, and show again the
    entries that the gap held; raise GapError if the source is not held there."""
    if not reason.strip():
        raise GapError("give the reason, which the site shows with the decision")
    with Session(engine) as session:
        tree.lock(session)  # no batch is applied meanwhile
        row = session.get(SourceSeq, source)
        if row is None:
            raise GapError(f"{source} is not held: no entry of it was shown or refused")
        if row.last_seq != after:
            raise GapError(
                f"{source} is not held after seq {after}: its last seq shown is {row.last_seq}"
            )
        held = _held(session, source, after)
        if not held or not _lacks(row, held[0].envelope.seq):
            raise GapError(
                f"{source} is not held after seq {after}: no later entry of it was refused "
                "for a seq that nothing in the log accounts for"
            )
        decision = _release(session, row, held, reason.strip(), own)
        session.commit()
        session.refresh(decision)
        return decision


def _held(session: Session, source: str, after: int) -> list[Held]:
    """The source's entries refused for their seq and not shown since, past ``after``, in
    log order; one a ledger index."""
    rows = session.exec(
        select(Quarantined)
        .where(col(Quarantined.kind) == "entry", col(Quarantined.reason).startswith(ALARM))
        .order_by(col(Quarantined.ledger_index), col(Quarantined.id))
    ).all()
    found: dict[int, Held] = {}
    for row in rows:
        if row.ledger_index is None or row.ledger_index in found or not _whole(row):
            continue
        try:
            envelope = parse_envelope(row.raw)
        except EventRejectedError:
            continue
        if envelope.source == source and envelope.seq > after:
            found[row.ledger_index] = Held(row, row.ledger_index, envelope)
    shown = service.recorded(session, found.keys())
    return [held for index, held in sorted(found.items()) if index not in shown]


def _whole(row: Quarantined) -> bool:
    """Whether the row keeps the entry's bytes whole: not withheld since, nor cut short."""
    return bool(row.raw) and hashlib.sha256(row.raw).hexdigest() == row.sha256


def _lacks(row: SourceSeq, first: int) -> bool:
    """Whether a seq between the last shown and ``first`` is one no public notice passed."""
    passed = {n for n in row.passed if row.last_seq < n < first}
    return first - row.last_seq - 1 > len(passed)


def _release(
    session: Session, row: SourceSeq, held: list[Held], reason: str, own: str
) -> GapAccepted:
    """Take the held entries as the source's next seqs from the first on; show those taken,
    and record the decision; the caller commits."""
    after, first = row.last_seq, held[0]
    row.last_seq = first.envelope.seq - 1  # the seqs between, accepted as passed

    def withheld() -> int:
        return sequence.count_withheld(session.connection())

    rows = list(session.exec(select(SourceSeq)).all())  # the lacking seqs of every source count
    order = sequence.Order(rows, own, withheld)
    items = [(h.index, h.envelope.to_json()) for h in held]
    released = [
        (h, item) for h, item in zip(held, items, strict=True) if order.take(item[1]) is None
    ]
    order.refused.clear()  # those still refused were counted when first refused
    order.save(session)
    decided_at = datetime.now(UTC)
    decision = GapAccepted(
        source=row.source,
        after_seq=after,
        next_seq=first.envelope.seq,
        first_index=first.index,
        released=len(released),
        reason=reason[:1000],
        decided_at=decided_at,
    )
    session.add(decision)
    row.released += len(released)
    session.add(row)
    note = f" (shown since {decided_at:%Y-%m-%d}: this site accepted the gap after seq {after})"
    for h, _ in released:
        h.row.reason = f"{h.row.reason}{note}"[:1000]
        session.add(h.row)
    service.restore(session, [item for _, item in released])
    fanout.queue_behind(session, [h.index for h, _ in released])
    return decision


def accepted(session: Session) -> list[GapAccepted]:
    """Every gap accepted, newest first: few, each an operator's decision."""
    query = select(GapAccepted).order_by(col(GapAccepted.first_index).desc())
    return list(session.exec(query).all())
