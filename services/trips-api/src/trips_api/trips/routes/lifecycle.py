"""Recording a trip and taking it through its life: draft, submission, approval,
completion, report, follow-ups, close or cancellation."""

from typing import Annotated

from fastapi import APIRouter, Body, Request, status
from fastapi.responses import Response

from trips_api.deps import Approver, IdempotencyKey, IfMatch, Reporter, SessionDep, Writer
from trips_api.respond import Outcome, write
from trips_api.trips import examples
from trips_api.trips.routes.common import ERRORS, FollowupId, TripId, act_on, answer
from trips_api.trips.schemas.reports import FollowupUpdate, ReportBody
from trips_api.trips.schemas.requests import (
    ApproveBody,
    CancelBody,
    CompleteBody,
    TripFields,
    TripPatch,
)
from trips_api.trips.schemas.responses import TripView
from trips_api.trips.service import lifecycle, outcomes

router = APIRouter()


@router.post(
    "",
    response_model=TripView,
    status_code=status.HTTP_201_CREATED,
    summary="Record a trip as a draft",
    description="Everything may be filled in now or later; approval checks that purpose, "
    "itinerary, travellers, SDGs, agenda, expected outcomes and budget are there. "
    "Departments are codes from `/v1/departments`. Amounts in any currency are also "
    "recorded in the city's reporting currency with their rate and its date.",
    responses=ERRORS,
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
        return answer(request, lifecycle.create(session, settings, body, key), key, 201)

    return write(request, session, key, idem, body, act)


@router.patch(
    "/{trip_id}",
    response_model=TripView,
    summary="Edit a draft or submitted trip",
    description="Replaces the fields sent; a body that changes nothing changes nothing (no "
    "new version). After approval, use `amend` or `correct`. Whoever changes a submitted "
    "trip may not approve it.",
    responses=ERRORS,
)
def edit_trip(
    request: Request,
    trip_id: TripId,
    body: TripPatch,
    session: SessionDep,
    key: Writer,
    if_match: IfMatch = None,
) -> Response:
    return act_on(
        request,
        session,
        key,
        trip_id,
        if_match,
        None,
        body,
        lambda settings, trip: lifecycle.edit(session, settings, trip, body, key),
    )


@router.post(
    "/{trip_id}/submit",
    response_model=TripView,
    summary="Submit a draft for approval",
    responses=ERRORS,
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

    return act_on(
        request,
        session,
        key,
        trip_id,
        if_match,
        idem,
        None,
        lambda settings, trip: lifecycle.submit(session, settings, trip, key),
    )


@router.post(
    "/{trip_id}/approve",
    response_model=TripView,
    summary="Approve, publishing the pre-trip disclosure (trip.approved)",
    description="Needs a key of a holder other than those who created, submitted or changed "
    "the trip since it was submitted, or who minted their keys (four eyes). A trip approved at "
    "short notice, or after the fact, needs `urgency_justification`.",
    responses=ERRORS,
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

    return act_on(
        request,
        session,
        key,
        trip_id,
        if_match,
        idem,
        given,
        lambda settings, trip: lifecycle.approve(session, settings, trip, given, key),
    )


@router.post(
    "/{trip_id}/cancel",
    response_model=TripView,
    summary="Cancel a trip before departure",
    description="Emits trip.cancelled if the trip had been published. An approved trip whose "
    "departure date has come cannot be cancelled: it stays on the record, report due.",
    responses=ERRORS,
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
    return act_on(
        request,
        session,
        key,
        trip_id,
        if_match,
        idem,
        body,
        lambda settings, trip: lifecycle.cancel(session, settings, trip, body, key),
    )


@router.post(
    "/{trip_id}/complete",
    response_model=TripView,
    summary="Record that the trip took place, with actual costs (trip.completed)",
    description="After the return date (the `after-the-fact` example of `POST /v1/trips` "
    "has returned). Each cost names who paid it.",
    responses=ERRORS,
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
    return act_on(
        request,
        session,
        key,
        trip_id,
        if_match,
        idem,
        body,
        lambda settings, trip: outcomes.complete(session, settings, trip, body, key),
    )


@router.post(
    "/{trip_id}/report",
    response_model=TripView,
    summary="File the post-trip report and follow-ups (trip.reported)",
    description="A result for every expected outcome (by its id); follow-up commitments get "
    "ids `f1`, `f2`... The report is due `TRIPS_REPORT_DUE_DAYS` after return.",
    responses=ERRORS,
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
    return act_on(
        request,
        session,
        key,
        trip_id,
        if_match,
        idem,
        body,
        lambda settings, trip: outcomes.report(session, settings, trip, body, key),
    )


@router.patch(
    "/{trip_id}/followups/{followup_id}",
    response_model=TripView,
    summary="Update a follow-up commitment (followup.updated)",
    responses=ERRORS,
)
def update_followup(
    request: Request,
    trip_id: TripId,
    followup_id: FollowupId,
    body: FollowupUpdate,
    session: SessionDep,
    key: Reporter,
    if_match: IfMatch = None,
) -> Response:
    """Change a follow-up's status, evidence or due date, with a note for the history. A new due
    date needs the note, which says why it moves (otherwise 422 at `body.note`). Publishes the
    follow-up as it now stands.
    """

    return act_on(
        request,
        session,
        key,
        trip_id,
        if_match,
        None,
        body,
        lambda settings, trip: outcomes.update_followup(
            session, settings, trip, followup_id, body, key
        ),
    )


@router.post(
    "/{trip_id}/close",
    response_model=TripView,
    summary="Close a reported trip whose follow-ups are done or dropped (trip.closed)",
    responses=ERRORS,
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

    return act_on(
        request,
        session,
        key,
        trip_id,
        if_match,
        idem,
        None,
        lambda settings, trip: lifecycle.close(session, settings, trip, key),
    )
