"""The notice log: what every channel announces, written in the entry's own transaction,
under the lock that keeps notices visible in the order of their positions
(``repository.lock_notices``)."""

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import Session

from notifier.channels import repository, watched
from notifier.channels.models import Notice

Position = tuple[int, int]

_NEW = "periplus.channels.new"


def on_entries(
    session: Session,
    items: Sequence[tuple[int, dict[str, Any]]],
) -> None:
    """Record what the channels must announce about ledger entries of trips, in index
    order, a statement per table for them all; the caller commits. A notice holds the
    entry's head, not its event: the read model's ``logged_entry`` holds that once, and
    whoever sends the notice takes it from there (``sent_body``)."""
    if not items:
        return
    repository.lock_notices(session)
    heads = [(str(e.get("type", ""))[:40], str(e.get("trip_id", ""))[:36]) for _, e in items]
    batch = watched.load(session, {trip_id for _, trip_id in heads})
    moment = datetime.now(UTC)
    rows: list[dict[str, Any]] = []
    for (index, event), (type_, trip_id) in zip(items, heads, strict=True):
        data = event.get("data")
        trip = batch.watch(trip_id, type_, data if isinstance(data, dict) else {})
        rows.append(
            {
                "ledger_index": index,
                "sub": 0,
                "type": type_,
                "trip_id": trip_id,
                "departments": list(trip.departments),
                "sdg_goals": list(trip.sdg_goals),
                "body": {
                    "ledger_index": index,
                    "trip_id": trip_id,
                    "reference": trip.reference,
                    "title": trip.title,
                    "occurred_at": event.get("occurred_at"),
                },
                "created_at": moment,
            }
        )
    watched.save(session, batch, [trip_id for _, trip_id in heads])
    add_many(session, rows)


def sent_body(notice: Notice, event: Any) -> dict[str, Any]:
    """What ``notice`` says when sent: an entry's head with ``event``, the event its entry
    holds in ``logged_entry`` (None if not read). Left as stored: an alert's body; one that
    holds its event already (written when notices held a copy); an erased one (``withheld``),
    never given an event; one whose entry is withheld, which has no event to give."""
    stored = notice.body
    if (
        notice.sub != 0
        or "event" in stored
        or "withheld" in stored
        or not isinstance(event, dict)
        or "withheld" in event
    ):
        return stored
    return {**stored, "event": event}


def withhold(session: Session, index: int, withheld: dict[str, Any]) -> int:
    """Erase a withheld entry's content from the notice log, which the stream replays
    and every webhook delivery, pending or dead, is built from at each attempt; the
    position stays and says only that the entry is withheld and under what law. Its
    type, departments and goals go too: a filtered stream would still tell what it was
    about. Returns how many notices were erased; the caller commits."""
    erased = 0
    for notice in repository.entry_notices(session, index):
        erase(notice, {"ledger_index": index, "trip_id": notice.trip_id, "withheld": withheld})
        session.add(notice)
        erased += 1
    return erased


WITHHELD = "withheld"
"""The type of an erased notice, as pages and feeds call a withheld entry: its own type
(``trip.completed``) would say what the entry was, and no type filter names this one."""


def erase(notice: Notice, body: dict[str, Any]) -> None:
    """Leave a notice only ``body``, of type ``withheld``, about no department and no goal."""
    notice.body, notice.type, notice.departments, notice.sdg_goals = body, WITHHELD, [], []


def add(session: Session, notice: Notice) -> None:
    """Append a notice; the delivery worker queues it for the webhooks (``fanout``)."""
    session.add(notice)
    session.flush()
    session.info[_NEW] = True


def add_many(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """Append ``channel_notice`` rows; the delivery worker queues them for the webhooks."""
    if not rows:
        return
    repository.add_notices(session, rows)
    session.info[_NEW] = True


def next_alert_position(session: Session) -> Position | None:
    """Where an alert raised now goes: after the last notice."""
    last = repository.last_position(session)
    return None if last is None else (last[0], last[1] + 1)


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
    if not _digits(index) or (sub and not _digits(sub)) or len(value) > 40:
        raise ValueError(f"not an event id: {value[:40]!r}")
    position = int(index), int(sub or 0)
    if max(position) > MAX_POSITION:  # past what either database stores
        raise ValueError(f"not an event id: {value[:40]!r}")
    return position


MAX_POSITION = 2**63 - 1


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def payload(notice: Notice, event: Any, public_url: str) -> dict[str, Any]:
    """The JSON a webhook receives and a stream reader reads, in Standard Webhooks' shape;
    ``event`` is the entry's event for an entry's notice (see ``sent_body``)."""
    url = f"{public_url.rstrip('/')}/trips/{notice.trip_id}"
    data = {**sent_body(notice, event), "trip_url": url}
    return {
        "type": notice.type,
        "timestamp": notice.created_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        "id": event_id((notice.ledger_index, notice.sub)),
        "data": data,
    }


def encode(value: dict[str, Any]) -> str:
    """Compact JSON, with U+2028 and U+2029 escaped: some readers of an event stream (and
    JavaScript before ES2019) take them for line breaks, and a data line must stay one."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def read_after(session: Session, after: Position | None, limit: int, public_url: str) -> list[Item]:
    found = repository.notices_after(session, after, limit)
    return [_item(notice, event, public_url) for notice, event in found]


def _item(notice: Notice, event: Any, public_url: str) -> Item:
    position = (notice.ledger_index, notice.sub)
    data = encode(payload(notice, event, public_url))  # JSON escapes line breaks: one data line
    return Item(
        position=position,
        type=notice.type,
        trip_id=notice.trip_id,
        departments=tuple(notice.departments),
        sdg_goals=tuple(notice.sdg_goals),
        payload=data,
        wire=f"id: {event_id(position)}\nevent: {notice.type}\ndata: {data}\n\n".encode(),
    )


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
