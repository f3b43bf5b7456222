"""HTTP views of trips: translate, call the service, commit."""

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, status
from sqlmodel import Session

from trips_api.deps import Approver, SessionDep, Writer
from trips_api.trips import service
from trips_api.trips.models import Trip
from trips_api.trips.schemas import TripCreate, TripPage, TripPublic

router = APIRouter(prefix="/v1/trips", tags=["trips"])

_ERRORS = {
    401: {"description": "No valid API key"},
    403: {"description": "The key lacks the scope, or the rule forbids it"},
    404: {"description": "No such trip"},
    409: {"description": "The trip is not in a state that allows this"},
}


def _public(trip: Trip) -> TripPublic:
    return TripPublic.model_validate(trip, from_attributes=True)


def _commit(request: Request, session: Session, trip: Trip) -> TripPublic:
    """End the request's transaction and wake the outbox relay."""
    session.commit()
    session.refresh(trip)
    request.app.state.relay_notify()
    return _public(trip)


@router.post(
    "", status_code=status.HTTP_201_CREATED, summary="Record a trip (as a draft)", responses=_ERRORS
)
def create_trip(request: Request, body: TripCreate, session: SessionDep, key: Writer) -> TripPublic:
    trip = service.create(session, request.app.state.settings, body, key)
    return _commit(request, session, trip)


@router.get("", summary="List trips, oldest first")
def list_trips(
    session: SessionDep,
    cursor: Annotated[str | None, Query(pattern=r"^[0-9]{1,15}$")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    status: Annotated[str | None, Query(max_length=20)] = None,
) -> TripPage:
    rows = service.page(session, int(cursor or 0), limit, status)
    more = len(rows) == limit
    return TripPage(
        trips=[_public(t) for t in rows],
        next_cursor=str(rows[-1].number) if rows and more else None,
    )


@router.get("/{trip_id}", summary="One trip", responses=_ERRORS)
def get_trip(trip_id: uuid.UUID, session: SessionDep) -> TripPublic:
    return _public(service.get(session, trip_id))


@router.post("/{trip_id}/submit", summary="Submit a draft for approval", responses=_ERRORS)
def submit_trip(
    request: Request, trip_id: uuid.UUID, session: SessionDep, _key: Writer
) -> TripPublic:
    return _commit(request, session, service.submit(session, service.get(session, trip_id)))


@router.post(
    "/{trip_id}/approve", summary="Approve, publishing the pre-trip disclosure", responses=_ERRORS
)
def approve_trip(
    request: Request, trip_id: uuid.UUID, session: SessionDep, key: Approver
) -> TripPublic:
    trip = service.approve(session, request.app.state.settings, service.get(session, trip_id), key)
    return _commit(request, session, trip)
