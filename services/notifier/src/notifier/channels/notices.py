"""The notice log: what every channel announces, written in the entry's own transaction.

Writers of notices take one lock (an advisory lock on PostgreSQL; SQLite
serialises writers already), so notices become visible in the order of their
positions and a reader that resumes after a position misses none.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy import func, or_, text
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session, col, select

from notifier.channels.models import Notice, WatchedFollowup, WatchedTrip
from notifier.channels.webhooks import service as webhooks_service
from notifier.ingest.fold import STATUS_AFTER

Position = tuple[int, int]

SNAPSHOT_TYPES = frozenset({"trip.approved", "trip.amended", "trip.corrected"})
_LOCK_KEY = 60030003
_NEW = "periplus.channels.new"


def on_entry(session: Session, index: int, event: dict[str, Any]) -> None:
    """Record what the channels must announce about one ledger entry; the caller commits."""
    lock(session)
    type_, trip_id = str(event.get("type", ""))[:40], str(event.get("trip_id", ""))[:36]
    data = event.get("data")
    trip = watch(session, trip_id, type_, data if isinstance(data, dict) else {})
    body = {
        "ledger_index": index,
        "trip_id": trip_id,
        "reference": trip.reference,
        "title": trip.title,
        "occurred_at": event.get("occurred_at"),
        "event": event,
    }
    add(
        session,
        Notice(
            ledger_index=index,
            sub=0,
            type=type_,
            trip_id=trip_id,
            departments=list(trip.departments),
            sdg_goals=list(trip.sdg_goals),
            body=body,
            created_at=datetime.now(UTC),
        ),
    )


def withhold(session: Session, index: int, withheld: dict[str, Any]) -> int:
    """Erase a withheld entry's content from the notice log, which the stream replays
    and every webhook delivery, pending or dead, is built from at each attempt; the
    position stays and says only that the entry is withheld and under what law.
    Returns how many notices were erased; the caller commits."""
    erased = 0
    rows = session.exec(
        select(Notice).where(col(Notice.ledger_index) == index, col(Notice.sub) == 0)
    ).all()
    for notice in rows:
        notice.body = {"ledger_index": index, "trip_id": notice.trip_id, "withheld": withheld}
        session.add(notice)
        erased += 1
    return erased


def add(session: Session, notice: Notice) -> None:
    """Append a notice and queue it for every matching webhook."""
    session.add(notice)
    webhooks_service.fan_out(session, notice)
    session.info[_NEW] = True


def lock(session: Session) -> None:
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def last_position(session: Session) -> Position | None:
    row = session.exec(
        select(Notice.ledger_index, Notice.sub)
        .order_by(col(Notice.ledger_index).desc(), col(Notice.sub).desc())
        .limit(1)
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))


def next_alert_position(session: Session) -> Position | None:
    """Where an alert raised now goes: after the last notice."""
    last = last_position(session)
    return None if last is None else (last[0], last[1] + 1)


def watch(session: Session, trip_id: str, type_: str, data: dict[str, Any]) -> WatchedTrip:
    """Keep the trip's facets, status, report date and follow-ups as the entries state them."""
    trip = session.get(WatchedTrip, trip_id) or WatchedTrip(
        trip_id=trip_id, departments=[], sdg_goals=[]
    )
    if type_ in SNAPSHOT_TYPES:
        nested = data.get("trip")
        snapshot: dict[str, Any] = nested if isinstance(nested, dict) else data
        trip.reference = str(snapshot.get("reference") or trip.reference)[:40]
        trip.title = str(snapshot.get("title") or trip.title)[:200]
        trip.departments = [str(d)[:200] for d in _list(snapshot.get("departments"))][:50]
        trip.sdg_goals = [g for g in _list(snapshot.get("sdg_goals")) if isinstance(g, int)][:17]
        if snapshot.get("report_due"):
            trip.report_due = str(snapshot["report_due"])[:10]
    elif data.get("reference") and not trip.reference:
        trip.reference = str(data["reference"])[:40]
    trip.status = STATUS_AFTER.get(type_, trip.status)
    session.add(trip)
    followups = _list(data.get("followups")) if type_ == "trip.reported" else []
    if type_ == "followup.updated":
        followups = [data.get("followup")]
    for followup in followups:
        if isinstance(followup, dict) and followup.get("id") and followup.get("due_date"):
            _watch_followup(session, trip_id, followup)
    return trip


def _watch_followup(session: Session, trip_id: str, followup: dict[str, Any]) -> None:
    key = str(followup["id"])[:40]
    row = session.get(WatchedFollowup, (trip_id, key)) or WatchedFollowup(
        trip_id=trip_id, followup_id=key, due_date="", status="open"
    )
    row.commitment = str(followup.get("commitment") or "")[:1000]
    row.owner_department = str(followup.get("owner_department") or "")[:200]
    row.due_date = str(followup["due_date"])[:10]
    row.status = str(followup.get("status") or "open")[:20]
    session.add(row)


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []


# Reading -------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """A notice ready to send: its position, facets and JSON payload."""

    position: Position
    type: str
    trip_id: str
    departments: tuple[str, ...]
    sdg_goals: tuple[int, ...]
    payload: str

    wire: bytes = b""

    @property
    def id(self) -> str:
        return event_id(self.position)


def event_id(position: Position) -> str:
    """``7`` for ledger entry 7; ``7.2`` for the second alert raised after it."""
    index, sub = position
    return str(index) if sub == 0 else f"{index}.{sub}"


def parse_event_id(value: str) -> Position:
    """The position an event id names (``-1`` is before the first); ValueError if none."""
    if value.strip() == "-1":
        return (-1, 0)
    index, _, sub = value.strip().partition(".")
    if not index.isdigit() or (sub and not sub.isdigit()) or len(value) > 40:
        raise ValueError(f"not an event id: {value[:40]!r}")
    return int(index), int(sub or 0)


def payload(notice: Notice, public_url: str) -> dict[str, Any]:
    """The JSON a webhook receives and a stream reader reads, in Standard Webhooks' shape."""
    data = {**notice.body, "trip_url": f"{public_url.rstrip('/')}/trips/{notice.trip_id}"}
    return {
        "type": notice.type,
        "timestamp": notice.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "id": event_id((notice.ledger_index, notice.sub)),
        "data": data,
    }


def encode(value: dict[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)


def read_after(session: Session, after: Position | None, limit: int, public_url: str) -> list[Item]:
    query = select(Notice)
    if after is not None:
        index, sub = after
        query = query.where(
            or_(
                col(Notice.ledger_index) > index,
                (col(Notice.ledger_index) == index) & (col(Notice.sub) > sub),
            )
        )
    rows = session.exec(
        query.order_by(col(Notice.ledger_index), col(Notice.sub)).limit(limit)
    ).all()
    return [_item(n, public_url) for n in rows]


def _item(notice: Notice, public_url: str) -> Item:
    position = (notice.ledger_index, notice.sub)
    data = encode(payload(notice, public_url))  # JSON escapes line breaks: one data line
    return Item(
        position=position,
        type=notice.type,
        trip_id=notice.trip_id,
        departments=tuple(notice.departments),
        sdg_goals=tuple(notice.sdg_goals),
        payload=data,
        wire=f"id: {event_id(position)}\nevent: {notice.type}\ndata: {data}\n\n".encode(),
    )


def count(session: Session) -> int:
    return int(session.exec(select(func.count()).select_from(Notice)).one())


# Waking readers in this process when new notices commit ----------------------

_bells: list[Callable[[], None]] = []


def listen(bell: Callable[[], None]) -> None:
    _bells.append(bell)


def unlisten(bell: Callable[[], None]) -> None:
    if bell in _bells:
        _bells.remove(bell)


@sa_event.listens_for(OrmSession, "after_commit")
def _ring(session: OrmSession) -> None:
    if session.info.pop(_NEW, False):
        for bell in list(_bells):
            bell()


@sa_event.listens_for(OrmSession, "after_rollback")
def _forget(session: OrmSession) -> None:
    session.info.pop(_NEW, None)
