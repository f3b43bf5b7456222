"""The rules of a trip's life; callers commit."""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from periplus.web import ProblemError
from sqlmodel import Session, col, select

from trips_api.events import service as events_service
from trips_api.keys.models import ApiKey
from trips_api.settings import Settings
from trips_api.trips.models import Trip
from trips_api.trips.schemas import TripCreate


def _now() -> datetime:
    return datetime.now(UTC)


def create(session: Session, settings: Settings, body: TripCreate, key: ApiKey) -> Trip:
    number = events_service.next_value(session, "trip_number")
    now = _now()
    trip = Trip(
        id=str(uuid.uuid4()),
        number=number,
        reference=f"{settings.reference_prefix}-{now.year}-{number:04d}",
        status="draft",
        created_by=key.id,
        created_at=now,
        updated_at=now,
        **body.model_dump(),
    )
    session.add(trip)
    return trip


def get(session: Session, trip_id: uuid.UUID) -> Trip:
    trip = session.get(Trip, str(trip_id))
    if trip is None:
        raise ProblemError(404, "Not found", f"No trip has the id {trip_id}.")
    return trip


def page(session: Session, after: int, limit: int, status: str | None) -> Sequence[Trip]:
    query = select(Trip).where(col(Trip.number) > after)
    if status is not None:
        query = query.where(col(Trip.status) == status)
    return session.exec(query.order_by(col(Trip.number)).limit(limit)).all()


def _require_status(trip: Trip, *allowed: str) -> None:
    if trip.status not in allowed:
        raise ProblemError(
            409,
            "Conflict",
            f"Trip {trip.reference} is {trip.status}; this needs it {' or '.join(allowed)}.",
        )


def submit(session: Session, trip: Trip) -> Trip:
    _require_status(trip, "draft")
    trip.status, trip.updated_at = "submitted", _now()
    session.add(trip)
    return trip


def approve(session: Session, settings: Settings, trip: Trip, key: ApiKey) -> Trip:
    """Approve, and so publish the pre-trip disclosure; needs a second pair of eyes."""
    _require_status(trip, "submitted")
    if key.id == trip.created_by:
        raise ProblemError(
            403,
            "Forbidden",
            "A trip must be approved with a key other than the one that created it.",
        )
    if not (trip.sdg_goals or trip.sdg_targets):
        raise ProblemError(
            409, "Conflict", "Approval needs at least one SDG goal or target on the trip."
        )
    now = _now()
    trip.status, trip.approved_by, trip.approved_at, trip.updated_at = "approved", key.id, now, now
    session.add(trip)
    events_service.emit(
        session, settings.source, "trip.approved", uuid.UUID(trip.id), trip.public_fields()
    )
    return trip
