"""Reading trips: pages of them, one trip, and its history."""

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from pydantic import AfterValidator, StringConstraints

from periplus.public import Category, TripStatus
from trips_api.deps import Reader, SessionDep, sees_private
from trips_api.fields import clean_line
from trips_api.respond import json_with_etag
from trips_api.trips import repository
from trips_api.trips.routes.common import READ_ERRORS, TripId, etag, view_of
from trips_api.trips.schemas.responses import History, TripPage, TripView
from trips_api.trips.service import lifecycle

router = APIRouter()

Search = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(clean_line)]
StatusQuery = Annotated[TripStatus | None, Query()]
DepartmentQuery = Annotated[
    str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="Department code.")
]
SdgTargetQuery = Annotated[
    str | None, Query(pattern=r"^(1[0-7]|[1-9])\.([1-9][0-9]?|[a-d])$", examples=["11.2"])
]


@router.get(
    "",
    summary="List trips, oldest first",
    description="Without an API key, only trips that have been approved (published); with "
    "one, drafts too. Filters combine with AND. Anonymous reads are rate limited.",
    responses=READ_ERRORS,
)
def list_trips(
    request: Request,
    session: SessionDep,
    key: Reader,
    cursor: Annotated[
        str | None, Query(pattern=r"^[0-9]{1,9}$", description="From the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    status: StatusQuery = None,
    department: DepartmentQuery = None,
    sdg_goal: Annotated[int | None, Query(ge=1, le=17)] = None,
    sdg_target: SdgTargetQuery = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    date_from: Annotated[
        date | None, Query(description="Trips travelling on or after this day.")
    ] = None,
    date_to: Annotated[
        date | None, Query(description="Trips travelling on or before this day.")
    ] = None,
    traveller: Annotated[
        Search | None, Query(description="Part of a traveller's public name or position.")
    ] = None,
    category: Annotated[Category | None, Query()] = None,
    overdue: Annotated[
        bool | None, Query(description="Only trips whose report is overdue (or, false, not).")
    ] = None,
    q: Annotated[
        Search | None, Query(description="Words in the reference, title, purpose or places.")
    ] = None,
) -> TripPage:
    filters = repository.Filters(
        status=status,
        department=department,
        sdg_goal=sdg_goal,
        sdg_target=sdg_target,
        country=country,
        date_from=date_from,
        date_to=date_to,
        traveller=traveller,
        category=category,
        overdue=overdue,
        q=q,
    )
    rows = repository.page(
        session,
        filters,
        int(cursor or 0),
        limit,
        private=sees_private(key),
        everything=key is not None,
    )
    return TripPage(
        trips=[view_of(request, t, key) for t in rows],
        next_cursor=str(rows[-1].number) if rows and len(rows) == limit else None,
    )


@router.get(
    "/{trip_id}",
    response_model=TripView,
    summary="One trip",
    description="The ETag header carries the version to send back in `If-Match`. Without an "
    "API key, `version`, `updated_at` and the ETag are the public ones: only a step that "
    "changes what the public sees moves them.",
    responses=READ_ERRORS,
)
def get_trip(request: Request, trip_id: TripId, session: SessionDep, key: Reader) -> Response:
    trip = lifecycle.get(session, trip_id, include_unpublished=key is not None)
    return json_with_etag(view_of(request, trip, key), etag(trip, anonymous=key is None))


@router.get(
    "/{trip_id}/history",
    summary="Every version of a trip, with what changed and why",
    description="Without an API key, the public versions from approval on (numbered from 1), "
    "with private fields blank.",
    responses=READ_ERRORS,
)
def trip_history(trip_id: TripId, session: SessionDep, key: Reader) -> History:
    trip = lifecycle.get(session, trip_id, include_unpublished=key is not None)
    return lifecycle.history(session, trip, private=sees_private(key), anonymous=key is None)
