"""Reading trips: filtered pages in creation order, and version histories."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from trips_api.trips import views
from trips_api.trips.models import Trip, TripVersion
from trips_api.trips.record import changes, today


class Filters(BaseModel):
    status: str | None = None
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
        late = (col(Trip.status).in_(views.ACTIVE_FOR_REPORT)) & (col(Trip.report_due) < today())
        query = query.where(late if f.overdue else ~late | col(Trip.report_due).is_(None))
    return session.exec(query.order_by(col(Trip.number)).limit(limit)).all()


def history(session: Session, trip: Trip, *, private: bool) -> views.History:
    query = select(TripVersion).where(col(TripVersion.trip_id) == trip.id)
    if not private:
        query = query.where(col(TripVersion.public).is_(True))
    rows = session.exec(query.order_by(col(TripVersion.version))).all()
    entries: list[views.HistoryEntry] = []
    previous: dict[str, Any] | None = None
    ignore = {"version", "updated_at", "updated_by", "report_overdue"}
    protected = views.protected_names(trip)
    for row in rows:
        state = row.state if private else views.public_copy(row.state, protected)
        compared = {k: v for k, v in state.items() if k not in ignore}
        entries.append(
            views.HistoryEntry(
                version=row.version,
                kind=row.kind,
                at=row.at,
                key_id=row.key_id if private else None,
                reason=row.reason,
                changes=changes(previous, compared) if previous is not None else [],
                trip=views.TripView.model_validate(state),
            )
        )
        previous = compared
    return views.History(trip_id=uuid.UUID(trip.id), entries=entries)
