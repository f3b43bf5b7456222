"""Every query of trips and their versions: filtered pages, one trip, its history rows."""

import uuid
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel
from sqlalchemy import (
    ColumnElement,
    FromClause,
    Join,
    and_,
    bindparam,
    inspect,
    text,
    true,
)
from sqlalchemy import select as sa_select
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, col, select

from periplus import deferred
from periplus.db import table
from periplus.public import TripStatus
from periplus.rules import REPORT_PENDING
from trips_api.clock import today
from trips_api.instances import loaded
from trips_api.trips.models import Trip, TripVersion


class Filters(BaseModel):
    status: TripStatus | None = None
    department: str | None = None
    sdg_goal: int | None = None
    sdg_target: str | None = None
    country: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    traveller: str | None = None
    category: str | None = None
    overdue: bool | None = None
    q: str | None = None


def page(
    session: Session, filters: Filters, after: int, limit: int, *, private: bool, everything: bool
) -> Sequence[Trip]:
    """One page of trips in creation order; without ``everything``, only public ones."""
    query = select(Trip).where(col(Trip.number) > after)
    if not everything:
        query = query.where(col(Trip.approved_at).is_not(None))
    f = filters
    if f.status is not None:
        query = query.where(col(Trip.status) == f.status)
    if f.category is not None:
        query = query.where(col(Trip.category) == f.category)
    if f.department is not None:
        query = query.where(col(Trip.departments).contains(f",{f.department},", autoescape=True))
    if f.sdg_goal is not None:
        query = query.where(col(Trip.sdg_goals).contains(f",{f.sdg_goal},", autoescape=True))
    if f.sdg_target is not None:
        query = query.where(col(Trip.sdg_targets).contains(f",{f.sdg_target},", autoescape=True))
    if f.country is not None:
        query = query.where(col(Trip.countries).contains(f",{f.country.upper()},", autoescape=True))
    if f.date_from is not None:
        query = query.where(col(Trip.return_date) >= f.date_from)
    if f.date_to is not None:
        query = query.where(col(Trip.departure_date) <= f.date_to)
    if f.traveller is not None:
        column = Trip.travellers_all if private else Trip.travellers_public
        query = query.where(col(column).contains(f.traveller.lower(), autoescape=True))
    if f.q is not None:
        query = query.where(col(Trip.search).contains(f.q.lower(), autoescape=True))
    if f.overdue is not None:
        # ``rules.report_overdue`` as SQL
        late = col(Trip.status).in_(sorted(REPORT_PENDING)) & (col(Trip.report_due) < today())
        query = query.where(late if f.overdue else ~late | col(Trip.report_due).is_(None))
    return session.exec(query.order_by(col(Trip.number)).limit(limit)).all()


_ONE = select(Trip).where(col(Trip.id) == bindparam("trip_id"))
_COLUMNS = tuple(inspect(Trip).columns.keys())
_ROW = tuple(inspect(Trip).columns.values())
_TABLE = table(Trip)
_ONE_LOCKED = sa_select(*_ROW).where(_TABLE.c.id == bindparam("trip_id")).with_for_update()
_KEPT = "trips_api.locked_trip"


def locked_join(
    source: FromClause, gate: ColumnElement[bool], dialect: str
) -> tuple[Join, Sequence[ColumnElement[Any]]]:
    """``source`` outer-joined to the row of the trip ``:trip_id``, locked as ``get(...,
    for_update=True)`` locks it, where ``gate`` holds; with the columns to read of it, for
    ``keep_locked``. A change reads its trip so in its first statement, with its API key."""
    where = and_(_TABLE.c.id == bindparam("trip_id"), gate)
    if dialect != "postgresql":  # SQLite: the transaction holds the write lock already
        return source.outerjoin(_TABLE, where), _ROW
    # PostgreSQL locks no row on the nullable side of an outer join; in a lateral subquery, it does.
    locked = sa_select(*_ROW).where(where).with_for_update().lateral()
    return source.outerjoin(locked, true()), tuple(locked.c)


def keep_locked(session: Session, trip_id: uuid.UUID, row: Sequence[Any]) -> None:
    """Keep the trip read (or found missing) by a statement made with ``locked_join``, for the
    ``get(..., for_update=True)`` that follows in the same transaction."""
    trip = None if row[0] is None else loaded(Trip, _COLUMNS, row)
    session.info[_KEPT] = (session.get_transaction(), trip_id, trip)


def get(session: Session, trip_id: uuid.UUID, *, for_update: bool = False) -> Trip | None:
    """One trip; ``for_update`` locks its row (PostgreSQL) so that two writes take turns,
    and leaves the trip out of the session's unit of work: ``save`` writes its changes.
    That one is read by a Core statement, without the ORM's query machinery, unless this
    transaction read it already (``keep_locked``)."""
    if not for_update:
        return session.exec(_ONE, params={"trip_id": str(trip_id)}).first()
    kept = session.info.pop(_KEPT, None)
    if kept is not None and kept[0] is session.get_transaction() and kept[1] == trip_id:
        trip: Trip | None = kept[2]
        return trip
    row = session.connection().execute(_ONE_LOCKED, {"trip_id": str(trip_id)}).first()
    return None if row is None else loaded(Trip, _COLUMNS, row)


def save(session: Session, trip: Trip) -> None:
    """Write a new trip's row, or the columns of a trip read by ``get(..., for_update=True)``
    that changed since it was read: one statement, without the unit of work's flush, sent
    with the transaction's next (``periplus.deferred``).

    A new trip then stands as read, so that a later ``save`` in the same transaction
    updates it.
    """
    state = inspect(trip)
    now = state.dict
    if state.key is None:
        deferred.insert(session.connection(), _TABLE, {name: now[name] for name in _COLUMNS})
        make_transient_to_detached(trip)
        return
    changed = {
        name: now[name] for name, before in state.committed_state.items() if now[name] != before
    }
    if changed:
        deferred.update(session.connection(), _TABLE, {"id": trip.id}, changed)


def versions(session: Session, trip_id: str) -> Sequence[TripVersion]:
    """A trip's stored versions, oldest first, the public history's (``public``) and the
    others: a name protected in any of them stays hidden in all."""
    query = select(TripVersion).where(col(TripVersion.trip_id) == trip_id)
    return session.exec(query.order_by(col(TripVersion.version))).all()


def departures(session: Session, trip_id: str) -> Sequence[tuple[datetime, str, str | None]]:
    """``(at, status, departure_date)`` of each of a trip's versions, oldest first: the
    dates in force from each step to the next."""
    state = col(TripVersion.state)
    query = (
        sa_select(
            col(TripVersion.at),
            state["status"].as_string(),
            state["departure_date"].as_string(),
        )
        .where(col(TripVersion.trip_id) == trip_id)
        .order_by(col(TripVersion.version))
    )
    return [(r[0], r[1], r[2]) for r in session.connection().execute(query)]


# The keys that wrote a trip not yet approved (created it, changed it at any time, or
# submitted it: every version so far), with the keys that minted them, up every chain:
# one round trip for four eyes.
_WRITERS = """
    (SELECT key_id FROM trip_version WHERE trip_id = :trip_id
    UNION SELECT id FROM api_key WHERE id IN :also)
"""
_LINEAGES = """
WITH RECURSIVE chain(role, start, depth, id, holder, created_by) AS (
    SELECT 'author', id, 0, id, holder, created_by FROM api_key WHERE id IN {authors}
    UNION
    SELECT 'approver', id, 0, id, holder, created_by FROM api_key WHERE id = :approver
    UNION
    SELECT chain.role, chain.start, chain.depth + 1, api_key.id, api_key.holder,
        api_key.created_by
    FROM chain JOIN api_key ON api_key.id = chain.created_by
)
SELECT role, start, depth, id, holder FROM chain
"""
_OF_WRITERS = text(_LINEAGES.format(authors=_WRITERS)).bindparams(bindparam("also", expanding=True))
_OF_AUTHORS = text(_LINEAGES.format(authors=":authors")).bindparams(
    bindparam("authors", expanding=True)
)


def lineages(
    session: Session, trip: Trip, approver: str, authors: Sequence[str] | None = None
) -> Sequence[tuple[str, str, int, str, str]]:
    """``(role, start, depth, key, holder)`` for each key up the minting chain of each author
    (``role`` 'author') and of the approver ('approver'), ``start`` being the key the chain
    starts from and ``depth`` how many mintings up from it ``key`` is (0: ``start`` itself).
    Without ``authors``, they are the trip's writers; with them, those keys alone."""
    query = _OF_WRITERS if authors is None else _OF_AUTHORS
    also = [k for k in (trip.created_by, trip.submitted_by) if k]
    params: dict[str, Any] = {"trip_id": trip.id, "approver": approver}
    params |= {"authors": list(authors)} if authors is not None else {"also": also}
    rows = session.connection().execute(query, params).all()
    return [(r[0], r[1], int(r[2]), r[3], r[4]) for r in rows]


_VERSIONS = table(TripVersion)


def add_version(session: Session, **values: Any) -> None:
    """Append one version to a trip's history: a row never changed again, so inserted
    without an ORM object, with the transaction's next statement."""
    deferred.insert(session.connection(), _VERSIONS, values)
