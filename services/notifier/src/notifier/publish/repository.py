"""Reading the public read model: every query the pages and feeds make of it."""

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from sqlalchemy import desc, func
from sqlmodel import Session, col, select

from notifier.ingest.models import GapAccepted
from notifier.publish.models import LoggedEntry, TripFacet, TripView

FACET_KINDS = ("department", "sdg", "country", "traveller", "year")


def _with_facet(kind: str, value: str) -> Any:
    return col(TripView.trip_id).in_(
        select(TripFacet.trip_id).where(col(TripFacet.kind) == kind, col(TripFacet.value) == value)
    )


def trips(
    session: Session,
    facets: Mapping[str, str] | None = None,
    status: str | None = None,
    limit: int = 500,
    offset: int = 0,
    among: Collection[str] | None = None,
) -> Sequence[TripView]:
    """Trips, newest departure first, having every facet asked for (and ``among`` these)."""
    query = select(TripView)
    if among is not None:
        query = query.where(col(TripView.trip_id).in_(sorted(among)))
    for kind, value in (facets or {}).items():
        query = query.where(_with_facet(kind, value))
    if status:
        query = query.where(col(TripView.status) == status)
    order = (col(TripView.departure_date).desc(), col(TripView.trip_id))
    return session.exec(query.order_by(*order).offset(offset).limit(limit)).all()


def facet_values(session: Session, kind: str) -> list[str]:
    query = select(TripFacet.value).where(col(TripFacet.kind) == kind).distinct()
    rows = session.exec(query).all()
    return sorted(str(v) for v in rows)


def trip(session: Session, trip_id: str) -> TripView | None:
    return session.get(TripView, trip_id)


def latest_entries(
    session: Session, trip_ids: Collection[str], types: Collection[str]
) -> dict[str, int]:
    """Each trip's newest ledger entry of one of ``types``, by trip id, in one query."""
    if not trip_ids:
        return {}
    rows = session.exec(
        select(LoggedEntry.trip_id, func.max(col(LoggedEntry.index)))
        .where(col(LoggedEntry.trip_id).in_(list(trip_ids)), col(LoggedEntry.type).in_(types))
        .group_by(col(LoggedEntry.trip_id))
    ).all()
    return {str(trip_id): int(index) for trip_id, index in rows}


def timeline(session: Session, trip_id: str) -> Sequence[LoggedEntry]:
    return session.exec(
        select(LoggedEntry)
        .where(col(LoggedEntry.trip_id) == trip_id)
        .order_by(col(LoggedEntry.index))
    ).all()


def recent_entries(
    session: Session, kind: str | None = None, value: str | None = None, limit: int = 50
) -> Sequence[LoggedEntry]:
    """The newest entries, of every trip or of those with one facet (or one trip)."""
    query = select(LoggedEntry)
    if kind == "trip" and value is not None:
        query = query.where(col(LoggedEntry.trip_id) == value)
    elif kind is not None and value is not None:
        query = query.where(
            col(LoggedEntry.trip_id).in_(
                select(TripFacet.trip_id).where(
                    col(TripFacet.kind) == kind, col(TripFacet.value) == value
                )
            )
        )
    return session.exec(query.order_by(col(LoggedEntry.index).desc()).limit(limit)).all()


def notices(session: Session, types: Sequence[str], limit: int, offset: int) -> list[LoggedEntry]:
    """The entries of these types, newest first (``ix_logged_entry_type_index``)."""
    query = select(LoggedEntry).where(col(LoggedEntry.type).in_(types))
    order = col(LoggedEntry.index).desc()
    return list(session.exec(query.order_by(order).limit(limit).offset(offset)).all())


def gaps_placed(session: Session, types: Sequence[str]) -> list[tuple[GapAccepted, int]]:
    """Every gap this site's operator accepted, newest first (few: each is a decision), each
    with how many entries of these types are newer than the first entry it showed again."""
    newer = (
        select(func.count())
        .where(col(LoggedEntry.type).in_(types), col(LoggedEntry.index) > GapAccepted.first_index)
        .scalar_subquery()
    )
    query = select(GapAccepted, newer).order_by(col(GapAccepted.first_index).desc())
    return [(decision, int(count)) for decision, count in session.exec(query).all()]


def trips_named(session: Session, trip_ids: Collection[str]) -> dict[str, TripView]:
    """The published trips among ``trip_ids``, by id."""
    if not trip_ids:
        return {}
    found = session.exec(select(TripView).where(col(TripView.trip_id).in_(trip_ids))).all()
    return {view.trip_id: view for view in found}


def version(session: Session) -> tuple[int, int]:
    """The read model's version: how many trips, and the newest entry folded into one."""
    count, newest = session.exec(
        select(func.count(), func.max(col(TripView.last_index))).select_from(TripView)
    ).one()
    return int(count), -1 if newest is None else int(newest)


def entries_in(session: Session, prefix: str) -> Sequence[tuple[str, Mapping[str, Any], int]]:
    """Every entry that occurred in a period (``YYYY`` or ``YYYY-MM``): type, event, index."""
    return session.exec(
        select(LoggedEntry.type, LoggedEntry.event, LoggedEntry.index).where(
            col(LoggedEntry.occurred_at).startswith(prefix)
        )
    ).all()


def departing_in(session: Session, prefix: str) -> Sequence[TripView]:
    """The trips that depart in a period, earliest first."""
    return session.exec(
        select(TripView)
        .where(col(TripView.departure_date).startswith(prefix))
        .order_by(col(TripView.departure_date), col(TripView.trip_id))
    ).all()


def periods(session: Session, width: int, count: int) -> list[str]:
    """The newest periods in which anything occurred, newest first: the first ``width``
    characters of the entries' times (4, a year; 7, a month)."""
    period = func.substr(LoggedEntry.occurred_at, 1, width).label("period")
    query = select(period).group_by(period).order_by(desc("period")).limit(count)
    return [str(key) for key in session.exec(query).all()]


def size(session: Session) -> tuple[int, int | None]:
    """How many trips there are and the newest entry any of them reflects."""
    count, newest = session.exec(
        select(func.count(), func.max(col(TripView.last_index))).select_from(TripView)
    ).one()
    return int(count), None if newest is None else int(newest)


def changed_since(session: Session, index: int) -> Sequence[tuple[str, str, Mapping[str, Any]]]:
    """Each trip that an entry after ``index`` changed: its id, status and state."""
    query = select(TripView.trip_id, TripView.status, TripView.data)
    return session.exec(query.where(col(TripView.last_index) > index)).all()
