"""The channels' SQL: the notice log, what the alerts watch of each trip, the alerts raised.

Writers of notices take one lock (an advisory lock on PostgreSQL; SQLite
serialises writers already), so notices become visible in the order of their
positions and a reader that resumes after a position misses none.
"""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, delete, or_, text, tuple_
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from sqlmodel.sql.expression import Select

from notifier.channels.models import Notice, RaisedAlert, WatchedFollowup, WatchedTrip
from notifier.ingest.repository import chunks
from notifier.ingest.rows import insert_many, upsert_many
from notifier.publish.models import LoggedEntry
from periplus.public import TripStatus
from periplus.rules import FOLLOWUP_PENDING, REPORT_PENDING

Position = tuple[int, int]  # (ledger index, n-th alert after it); see ``notices``

_LOCK_KEY = 60030003


def lock_notices(session: Session) -> None:
    """Held by every writer of notices until its commit."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection().execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})


def add_notices(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    insert_many(session, Notice, rows)


def entry_notices(session: Session, index: int) -> Sequence[Notice]:
    """The notice of ledger entry ``index`` (not the alerts raised after it)."""
    query = select(Notice).where(col(Notice.ledger_index) == index, col(Notice.sub) == 0)
    return session.exec(query).all()


def trip_notices(session: Session, trip_id: str) -> Sequence[Notice]:
    """Every notice of a trip, its entries' and its alerts', in position order."""
    return session.exec(
        select(Notice)
        .where(col(Notice.trip_id) == trip_id)
        .order_by(col(Notice.ledger_index), col(Notice.sub))
    ).all()


Sent = tuple[Notice, Any]
"""A notice and, for an entry's, the event its entry holds in the read model (else None),
which ``notices.sent_body`` puts in what is sent: one query reads both, at one moment."""


def _sent() -> Select[Notice, Any]:
    """Notices, each with its entry's event: the notice log holds only an entry's head."""
    return select(Notice, LoggedEntry.event).outerjoin(
        LoggedEntry,
        (col(LoggedEntry.index) == col(Notice.ledger_index)) & (col(Notice.sub) == 0),
    )


def notices_at(session: Session, positions: Iterable[Position]) -> dict[Position, Sent]:
    """The notices at these positions, of those that exist, with their events; one query."""
    wanted = set(positions)
    if not wanted:
        return {}
    # By (index, sub): the alerts of one check share an index, and are not all wanted.
    at = tuple_(col(Notice.ledger_index), col(Notice.sub)).in_(sorted(wanted))
    return {(n.ledger_index, n.sub): (n, event) for n, event in session.exec(_sent().where(at))}


def last_position(session: Session) -> Position | None:
    row = session.exec(
        select(Notice.ledger_index, Notice.sub)
        .order_by(col(Notice.ledger_index).desc(), col(Notice.sub).desc())
        .limit(1)
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))


def notices_after(session: Session, after: Position | None, limit: int) -> Sequence[Sent]:
    """Up to ``limit`` notices after ``after`` (from the first if None), in position order,
    with their events."""
    query = _sent() if after is None else _sent().where(after_position(after))
    return session.exec(
        query.order_by(col(Notice.ledger_index), col(Notice.sub)).limit(limit)
    ).all()


def after_position(position: Position) -> ColumnElement[bool]:
    """The notices placed after ``position``, in a condition the primary key serves."""
    index, sub = position
    return or_(
        col(Notice.ledger_index) > index,
        (col(Notice.ledger_index) == index) & (col(Notice.sub) > sub),
    )


def latest_of_types(session: Session, types: Iterable[str], limit: int) -> Sequence[Notice]:
    """The notices of these types, newest first."""
    return session.exec(
        select(Notice)
        .where(col(Notice.type).in_(sorted(types)))
        .order_by(col(Notice.ledger_index).desc(), col(Notice.sub).desc())
        .limit(limit)
    ).all()


# What the alerts watch ---------------------------------------------------------


def watched_trips(
    session: Session, trip_ids: Iterable[str], columns: Sequence[str]
) -> list[Row[Any]]:
    """``trip_id`` and ``columns`` of each trip named that is stored, a query per chunk."""
    rows: list[Row[Any]] = []
    for part in chunks(trip_ids):
        rows += session.execute(
            sa_select(col(WatchedTrip.trip_id), *(getattr(WatchedTrip, c) for c in columns)).where(
                col(WatchedTrip.trip_id).in_(part)
            )
        ).all()
    return rows


def save_watched(
    session: Session, trips: Sequence[Mapping[str, Any]], followups: Sequence[Mapping[str, Any]]
) -> None:
    upsert_many(session, WatchedTrip, ["trip_id"], trips)
    upsert_many(session, WatchedFollowup, ["trip_id", "followup_id"], followups)


def replace_watched(
    session: Session, trip: Mapping[str, Any], followups: Sequence[Mapping[str, Any]]
) -> None:
    """Store a trip folded afresh: its row, and exactly these follow-ups."""
    trip_id = trip["trip_id"]
    session.execute(delete(WatchedFollowup).where(col(WatchedFollowup.trip_id) == trip_id))
    save_watched(session, [trip], followups)


def overdue_reports(session: Session, earliest: str, cutoff: str) -> Sequence[WatchedTrip]:
    """Trips whose report is still pending (``report_overdue``) and was due from ``earliest``
    to before ``cutoff``, by due date."""
    return session.exec(
        select(WatchedTrip)
        .where(col(WatchedTrip.status).in_(sorted(REPORT_PENDING)))
        .where(col(WatchedTrip.report_due) < cutoff)
        .where(col(WatchedTrip.report_due) >= earliest)
        .order_by(col(WatchedTrip.report_due), col(WatchedTrip.trip_id))
    ).all()


def missed_followups(
    session: Session, earliest: str, cutoff: str
) -> Sequence[tuple[WatchedFollowup, WatchedTrip]]:
    """Follow-ups still pending (``followup_overdue``), due from ``earliest`` to before
    ``cutoff``, of trips not cancelled, by due date; each with its trip."""
    return session.exec(
        select(WatchedFollowup, WatchedTrip)
        .join(WatchedTrip, col(WatchedTrip.trip_id) == col(WatchedFollowup.trip_id))
        .where(col(WatchedFollowup.status).in_(sorted(FOLLOWUP_PENDING)))
        .where(col(WatchedFollowup.due_date) < cutoff)
        .where(col(WatchedFollowup.due_date) >= earliest)
        .where(col(WatchedTrip.status) != TripStatus.CANCELLED)
        .order_by(col(WatchedFollowup.due_date), col(WatchedFollowup.trip_id))
    ).all()


def raised(session: Session, key: str) -> bool:
    """Whether the alert under ``key`` was raised already."""
    return session.get(RaisedAlert, key) is not None
