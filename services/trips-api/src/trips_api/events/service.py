"""Writing events inside the caller's transaction, and reading them back in order."""

import json
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text
from sqlmodel import Session, col, select

from periplus import deferred, sources
from periplus.db import table
from periplus.deferred import UNRELATED
from periplus.errors import InvalidError
from periplus.events import Envelope, EventRejectedError
from periplus.note import Signer
from trips_api.events.models import Event, WithheldEvent
from trips_api.problems import error

_WRITTEN = "events_written"
_NEXT = text("UPDATE counter SET value = value + 1 WHERE name = :name RETURNING value")
_TABLE = table(Event)


def next_value(session: Session, name: str) -> int:
    """Advance a gapless counter; the row lock holds other writers until commit."""
    connection = session.connection()
    row = connection.execute(_NEXT, {"name": name}, execution_options=UNRELATED).first()
    if row is None:
        raise LookupError(f"counter {name!r} is missing; run the migrations")
    return int(row[0])


def emit(
    session: Session, signer: Signer, type_: str, trip_id: uuid.UUID, data: dict[str, Any]
) -> Envelope:
    """Add an event, signed by the source, to the caller's transaction: it commits, or
    vanishes, with the change."""
    seq = next_value(session, "event_seq")
    try:
        envelope = sources.sign(signer, seq=seq, type_=type_, trip_id=trip_id, data=data)
    except EventRejectedError as exc:  # the transaction rolls back, the seq with it
        raise InvalidError(
            f"The trip's public record cannot be logged as it stands ({exc}); shorten it, "
            "for instance its agenda or its documents.",
            errors=[error("body", str(exc), "event_refused")],
        ) from exc
    _store(session, envelope)
    return envelope


def _store(session: Session, envelope: Envelope) -> None:
    session.info[_WRITTEN] = True
    deferred.insert(  # never changed again: inserted without an ORM object, with the next statement
        session.connection(),
        _TABLE,
        {
            "seq": envelope.seq,
            "id": str(envelope.id),
            "type": envelope.type,
            "trip_id": str(envelope.trip_id),
            "occurred_at": envelope.occurred_at,
            "envelope": envelope.leaf,
        },
    )


def written(session: Session) -> bool:
    """Whether the session's transaction added events (asked once, after its commit): only
    then has the relay something to publish."""
    return bool(session.info.pop(_WRITTEN, False))


def rotate(session: Session, old: Signer, new: Signer) -> Envelope:
    """The event, signed by ``old``, that names ``new`` as the key of every later event."""
    seq = next_value(session, "event_seq")
    envelope = sources.rotation(old, seq, new.verifier)
    _store(session, envelope)
    return envelope


class WithholdError(ValueError):
    """The event cannot be withheld; the message says why."""


def withhold(
    session: Session, seq: int, reason: str, legal_basis: str, notice_index: int
) -> WithheldEvent:
    """Erase an event's bytes after the ledger withheld its entry; the caller commits."""
    if not reason.strip() or not legal_basis.strip():
        raise WithholdError("a withholding needs a reason and a legal basis")
    event = session.get(Event, seq)
    if event is None:
        raise WithholdError(f"there is no event {seq}")
    if session.get(WithheldEvent, seq) is not None:
        raise WithholdError(f"event {seq} is already withheld")
    event.envelope = b""
    row = WithheldEvent(
        seq=seq,
        reason=reason,
        legal_basis=legal_basis,
        notice_index=notice_index,
        withheld_at=datetime.now(UTC),
    )
    session.add_all([event, row])
    return row


def withheld(session: Session, seqs: Sequence[int]) -> Sequence[WithheldEvent]:
    if not seqs:
        return []
    return session.exec(select(WithheldEvent).where(col(WithheldEvent.seq).in_(seqs))).all()


def after(session: Session, seq: int, limit: int) -> Sequence[Event]:
    return session.exec(
        select(Event).where(col(Event.seq) > seq).order_by(col(Event.seq)).limit(limit)
    ).all()


def decode(event: Event) -> dict[str, Any]:
    value: dict[str, Any] = json.loads(event.envelope)
    return value


def relay_message(event: Mapping[str, Any]) -> tuple[bytes, bytes] | None:
    """Kafka key and value of an event row: keyed by trip, valued by its canonical bytes;
    nothing for an event withheld under law."""
    if not event["envelope"]:
        return None
    return str(event["trip_id"]).encode(), bytes(event["envelope"])
