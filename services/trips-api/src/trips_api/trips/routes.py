"""HTTP views of trips: translate, call the service, answer; ``respond.write`` commits."""

import uuid
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query, Request, status
from fastapi.responses import Response
from pydantic import AfterValidator, StringConstraints

from periplus.public import Category
from trips_api.deps import (
    Approver,
    IdempotencyKey,
    IfMatch,
    Reader,
    Reporter,
    SessionDep,
    Writer,
    check_if_match,
    sees_private,
)
from trips_api.fields import clean_line
from trips_api.keys.models import ApiKey
from trips_api.respond import Outcome, json_with_etag, write
from trips_api.settings import Settings
from trips_api.trips import examples, queries, service, views
from trips_api.trips.models import Trip
from trips_api.trips.record import today
from trips_api.trips.schemas import (
    ApproveBody,
    CancelBody,
    ChangeBody,
    CompleteBody,
    CorrectBody,
    FollowupUpdate,
    RejectBody,
    ReportBody,
    TripFields,
    TripPatch,
)

router = APIRouter(prefix="/v1/trips", tags=["trips"])

_PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid API key", **_PROBLEM},
    403: {"description": "The key lacks the scope, or the four-eyes rule forbids it", **_PROBLEM},
    404: {"description": "No such trip", **_PROBLEM},
    409: {
        "description": "The trip is not in a state that allows this, or the "
        "Idempotency-Key was used for another request",
        **_PROBLEM,
    },
    412: {"description": "If-Match names an older version", **_PROBLEM},
    422: {"description": "Invalid input, field by field", **_PROBLEM},
}
_READ_ERRORS: dict[int | str, dict[str, Any]] = {
    401: _ERRORS[401],
    404: _ERRORS[404],
    429: {"description": "Anonymous reads are rate limited", **_PROBLEM},
}

TripId = Annotated[uuid.UUID, Path(description="The trip's id.")]
Search = Annotated[str, StringConstraints(min_length=1, max_length=100), AfterValidator(clean_line)]


def etag(trip: Trip) -> str:
    return f'"{trip.version}"'


def _reviewer(key: ApiKey | None) -> bool:
    return key is not None and bool(key.scope_set & {"trips:approve", "admin"})


def _view(request: Request, trip: Trip, key: ApiKey | None) -> views.TripView:
    settings: Settings = request.app.state.settings
    return views.view(
        trip,
        settings.reporting_currency,
        today(),
        private=sees_private(key),
        reviewer=_reviewer(key),
    )


def _answer(request: Request, trip: Trip, key: ApiKey, code: int = 200) -> Outcome:
    # Private fields only to keys that may read them, in this answer as in any other.
    view = _view(request, trip, key)
    location = f"/v1/trips/{trip.id}" if code == 201 else None
    return Outcome(code, view, etag(trip), location)


def _load(session: SessionDep, trip_id: uuid.UUID, if_match: str | None) -> Trip:
    trip = service.get(session, trip_id, for_update=True)
    check_if_match(if_match, etag(trip))
    return trip


@router.post(
    "",
    response_model=views.TripView,
    status_code=status.HTTP_201_CREATED,
    summary="Record a trip as a draft",
    description="Everything may be filled in now or later; approval checks that purpose, "
    "itinerary, travellers, SDGs, agenda, expected outcomes and budget are there. "
    "Departments are codes from `/v1/departments`. Amounts in any currency are also "
    "recorded in the city's reporting currency with their rate and its date.",
    responses=_ERRORS,
)
def create_trip(
    request: Request,
    body: Annotated[TripFields, Body(openapi_examples=examples.create_examples())],
    session: SessionDep,
    key: Writer,
    idem: IdempotencyKey = None,
) -> Response:
    settings = request.app.state.settings

    def act() -> Outcome:
        return _answer(request, service.create(session, settings, body, key), key, 201)

    return write(request, session, key, idem, body, act)


@router.get(
    "",
    summary="List trips, oldest first",
    description="Without an API key, only trips that have been approved (published); with "
    "one, drafts too. Filters combine with AND. Anonymous reads are rate limited.",
    responses=_READ_ERRORS,
)
def list_trips(
    request: Request,
    session: SessionDep,
    key: Reader,
    cursor: Annotated[
        str | None, Query(pattern=r"^[0-9]{1,9}$", description="From the previous page.")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    status: Annotated[
        str | None,
        Query(pattern=r"^(draft|submitted|approved|completed|reported|closed|cancelled)$"),
    ] = None,
    department: Annotated[
        str | None, Query(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$", description="Department code.")
    ] = None,
    sdg_goal: Annotated[int | None, Query(ge=1, le=17)] = None,
    sdg_target: Annotated[
        str | None, Query(pattern=r"^(1[0-7]|[1-9])\.([1-9][0-9]?|[a-d])$", examples=["11.2"])
    ] = None,
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
) -> views.TripPage:
    filters = queries.Filters(
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
    rows = queries.page(
        session,
        filters,
        int(cursor or 0),
        limit,
        private=sees_private(key),
        everything=key is not None,
    )
    return views.TripPage(
        trips=[_view(request, t, key) for t in rows],
        next_cursor=str(rows[-1].number) if rows and len(rows) == limit else None,
    )


@router.get(
    "/{trip_id}",
    response_model=views.TripView,
    summary="One trip",
    description="The ETag header carries the version to send back in `If-Match`.",
    responses=_READ_ERRORS,
)
def get_trip(request: Request, trip_id: TripId, session: SessionDep, key: Reader) -> Response:
    trip = service.get(session, trip_id, include_unpublished=key is not None)
    return json_with_etag(_view(request, trip, key), etag(trip))


@router.get(
    "/{trip_id}/history",
    summary="Every version of a trip, with what changed and why",
    description="Without an API key, the versions from approval on, with private fields blank.",
    responses=_READ_ERRORS,
)
def trip_history(trip_id: TripId, session: SessionDep, key: Reader) -> views.History:
    trip = service.get(session, trip_id, include_unpublished=key is not None)
    return queries.history(session, trip, private=sees_private(key))


@router.patch(
    "/{trip_id}",
    response_model=views.TripView,
    summary="Edit a draft or submitted trip",
    description="Replaces the fields sent; a body that changes nothing changes nothing (no "
    "new version). After approval, use `amend` or `correct`. Whoever changes a submitted "
    "trip may not approve it.",
    responses=_ERRORS,
)
def edit_trip(
    request: Request,
    trip_id: TripId,
    body: TripPatch,
    session: SessionDep,
    key: Writer,
    if_match: IfMatch = None,
) -> Response:
    settings = request.app.state.settings

    def act() -> Outcome:
        trip = _load(session, trip_id, if_match)
        return _answer(request, service.edit(session, settings, trip, body, key), key)

    return write(request, session, key, None, body, act)


@router.post(
    "/{trip_id}/submit",
    response_model=views.TripView,
    summary="Submit a draft for approval",
    responses=_ERRORS,
)
def submit_trip(
    request: Request,
    trip_id: TripId,
    session: SessionDep,
    key: Writer,
    idem: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    """Ask for approval. The trip must already hold everything approval needs; the answer lists,
    field by field, what is missing.
    """

    def act() -> Outcome:
        trip = _load(session, trip_id, if_match)
        return _answer(request, service.submit(session, request.app.state.settings, trip, key), key)

    return write(request, session, key, idem, None, act)


@router.post(
    "/{trip_id}/approve",
    response_model=views.TripView,
    summary="Approve, publishing the pre-trip disclosure (trip.approved)",
    description="Needs a key of a holder other than those who created, submitted or changed "
    "the trip since it was submitted, or who minted their keys (four eyes). A trip approved at "
    "short notice, or after the fact, needs `urgency_justification`.",
    responses=_ERRORS,
)
def approve_trip(
    request: Request,
    trip_id: TripId,
    session: SessionDep,
    key: Approver,
    body: ApproveBody | None = None,
    idem: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    given = body or ApproveBody()

    def act() -> Outcome:
        trip = _load(session, trip_id, if_match)
        settings = request.app.state.settings
        return _answer(request, service.approve(session, settings, trip, given, key), key)

    return write(request, session, key, idem, given, act)


def _change(
    request: Request,
    trip_id: uuid.UUID,
    body: ChangeBody,
    session: SessionDep,
    key: ApiKey,
    idem: str | None,
    if_match: str | None,
    kind: str,
) -> Response:
    def act() -> Outcome:
        trip = _load(session, trip_id, if_match)
        settings = request.app.state.settings
        return _answer(request, service.change(session, settings, trip, body, key, kind), key)

    return write(request, session, key, idem, body, act)


@router.post(
    "/{trip_id}/amend",
    response_model=views.TripView,
    summary="Amend an approved trip before departure (trip.amended)",
    description="For plans that changed: dates, delegation, budget... A change of purpose, "
    "dates, travellers or costs waits, as `pending_change`, for another holder to approve it "
    "(`POST .../change/approve`); others take effect at once. The history keeps both versions "
    "and the reason; the event carries the new snapshot and the changes. A change that alters "
    "nothing is refused (422).",
    responses=_ERRORS,
)
def amend_trip(
    request: Request,
    trip_id: TripId,
    body: ChangeBody,
    session: SessionDep,
    key: Writer,
    idem: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    return _change(request, trip_id, body, session, key, idem, if_match, "amended")


@router.post(
    "/{trip_id}/correct",
    response_model=views.TripView,
    summary="Correct a published record that was wrong (trip.corrected)",
    description="Allowed at any stage after approval, and the only change after departure; "
    "says what was wrong and why. Purpose, dates, travellers or costs wait for another "
    "holder's approval, as amendments do.",
    responses=_ERRORS,
)
def correct_trip(
    request: Request,
    trip_id: TripId,
    body: CorrectBody,
    session: SessionDep,
    key: Writer,
    idem: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    return _change(request, trip_id, body, session, key, idem, if_match, "corrected")


@router.post(
    "/{trip_id}/change/approve",
    response_model=views.TripView,
    summary="Approve the pending change, which then takes effect (trip.amended or trip.corrected)",
    description="A change of purpose, dates, travellers or costs after approval waits for this: "
    "a holder other than the one who proposed it (four eyes) approves it.",
    responses=_ERRORS,
)
def approve_change(
    request: Request,
    trip_id: TripId,
    session: SessionDep,
    key: Approver,
    idem: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    def act() -> Outcome:
        trip = _load(session, trip_id, if_match)
        settings = request.app.state.settings
        return _answer(request, service.approve_change(session, settings, trip, key), key)

    return write(request, session, key, idem, None, act)


@router.post(
    "/{trip_id}/change/reject",
    response_model=views.TripView,
    summary="Reject the pending change; the trip stays as approved",
    description="The history keeps the proposal and the reason it was rejected; nothing is "
    "published.",
    responses=_ERRORS,
)
def reject_change(
    request: Request,
    trip_id: TripId,
    body: RejectBody,
    session: SessionDep,
    key: Approver,
    idem: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    def act() -> Outcome:
        trip = _load(session, trip_id, if_match)
        settings = request.app.state.settings
        return _answer(request, service.reject_change(session, settings, trip, body, key), key)

    return write(request, session, key, idem, body, act)


@router.post(
    "/{trip_id}/cancel",
    response_model=views.TripView,
    summary="Cancel a trip before departure",
    description="Emits trip.cancelled if the trip had been published. An approved trip whose "
    "departure date has come cannot be cancelled: it stays on the record, report due.",
    responses=_ERRORS,
)
def cancel_trip(
    request: Request,
    trip_id: TripId,
    body: CancelBody,
    session: SessionDep,
    key: Writer,
    idem: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    def act() -> Outcome:
        trip = _load(session, trip_id, if_match)
        settings = request.app.state.settings
        return _answer(request, service.cancel(session, settings, trip, body, key), key)

    return write(request, session, key, idem, body, act)


@router.post(
    "/{trip_id}/complete",
    response_model=views.TripView,
    summary="Record that the trip took place, with actual costs (trip.completed)",
    description="After the return date (the `after-the-fact` example of `POST /v1/trips` "
    "has returned). Each cost names who paid it.",
    responses=_ERRORS,
)
def complete_trip(
    request: Request,
    trip_id: TripId,
    body: CompleteBody,
    session: SessionDep,
    key: Reporter,
    idem: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    def act() -> Outcome:
        trip = _load(session, trip_id, if_match)
        settings = request.app.state.settings
        return _answer(request, service.complete(session, settings, trip, body, key), key)

    return write(request, session, key, idem, body, act)


@router.post(
    "/{trip_id}/report",
    response_model=views.TripView,
    summary="File the post-trip report and follow-ups (trip.reported)",
    description="A result for every expected outcome (by its id); follow-up commitments get "
    "ids `f1`, `f2`... The report is due `TRIPS_REPORT_DUE_DAYS` after return.",
    responses=_ERRORS,
)
def report_trip(
    request: Request,
    trip_id: TripId,
    body: ReportBody,
    session: SessionDep,
    key: Reporter,
    idem: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    def act() -> Outcome:
        trip = _load(session, trip_id, if_match)
        settings = request.app.state.settings
        return _answer(request, service.report(session, settings, trip, body, key), key)

    return write(request, session, key, idem, body, act)


@router.patch(
    "/{trip_id}/followups/{followup_id}",
    response_model=views.TripView,
    summary="Update a follow-up commitment (followup.updated)",
    responses=_ERRORS,
)
def update_followup(
    request: Request,
    trip_id: TripId,
    followup_id: Annotated[str, Path(pattern=r"^f[0-9]{1,4}$")],
    body: FollowupUpdate,
    session: SessionDep,
    key: Reporter,
    if_match: IfMatch = None,
) -> Response:
    """Change a follow-up's status, evidence or due date, with a note for the history. Publishes
    the follow-up as it now stands.
    """

    def act() -> Outcome:
        trip = _load(session, trip_id, if_match)
        settings = request.app.state.settings
        changed = service.update_followup(session, settings, trip, followup_id, body, key)
        return _answer(request, changed, key)

    return write(request, session, key, None, body, act)


@router.post(
    "/{trip_id}/close",
    response_model=views.TripView,
    summary="Close a reported trip whose follow-ups are done or dropped (trip.closed)",
    responses=_ERRORS,
)
def close_trip(
    request: Request,
    trip_id: TripId,
    session: SessionDep,
    key: Reporter,
    idem: IdempotencyKey = None,
    if_match: IfMatch = None,
) -> Response:
    """The end of a trip's life: reported, and every follow-up done or dropped."""

    def act() -> Outcome:
        trip = _load(session, trip_id, if_match)
        return _answer(request, service.close(session, request.app.state.settings, trip, key), key)

    return write(request, session, key, idem, None, act)
