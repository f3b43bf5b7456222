"""Recording a trip and taking it through its life: draft, submission, approval,
completion, report, follow-ups, close or cancellation."""

from typing import Annotated

from fastapi import APIRouter, Body, Request, status
from fastapi.responses import Response

from trips_api import state
from trips_api.deps import IdempotencyKey, WriterClaim, write_session
from trips_api.respond import Outcome, write
from trips_api.trips import examples
from trips_api.trips.routes.common import (
    ERRORS,
    ApproverAct,
    FollowupId,
    ReporterAct,
    ReporterPatch,
    WriterAct,
    WriterPatch,
    answer,
)
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
    claimed: WriterClaim,
    idem: IdempotencyKey = None,
) -> Response:
    settings = state.of(request.app).settings
    with write_session(request) as session:
        key = claimed.admit(session)  # here, not in a dependency: one trip to the thread pool

        def act() -> Outcome:
            trip = lifecycle.create(session, settings, body, key)
            return answer(request, session, trip, key, 201)

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
def edit_trip(body: TripPatch, act: WriterPatch) -> Response:
    return act(body, lambda trip: lifecycle.edit(act.session, act.settings, trip, body, act.key))


@router.post(
    "/{trip_id}/submit",
    response_model=TripView,
    summary="Submit a draft for approval",
    responses=ERRORS,
)
def submit_trip(act: WriterAct) -> Response:
    """Ask for approval. The trip must already hold everything approval needs; the answer lists,
    field by field, what is missing.
    """
    return act(None, lambda trip: lifecycle.submit(act.session, act.settings, trip, act.key))


@router.post(
    "/{trip_id}/approve",
    response_model=TripView,
    summary="Approve, publishing the pre-trip disclosure (trip.approved)",
    description="Needs a key of a holder other than those who created, submitted or changed "
    "the trip since it was submitted, or who minted their keys (four eyes). A trip approved at "
    "short notice, or after the fact, needs `urgency_justification`.",
    responses=ERRORS,
)
def approve_trip(act: ApproverAct, body: ApproveBody | None = None) -> Response:
    given = body or ApproveBody()
    return act(
        given, lambda trip: lifecycle.approve(act.session, act.settings, trip, given, act.key)
    )


@router.post(
    "/{trip_id}/cancel",
    response_model=TripView,
    summary="Cancel a trip before departure",
    description="Emits trip.cancelled if the trip had been published. An approved trip whose "
    "departure date has come, by the dates approved at the time, cannot be cancelled (409): it "
    "stays on the record, report due.",
    responses=ERRORS,
)
def cancel_trip(body: CancelBody, act: WriterAct) -> Response:
    return act(body, lambda trip: lifecycle.cancel(act.session, act.settings, trip, body, act.key))


@router.post(
    "/{trip_id}/complete",
    response_model=TripView,
    summary="Record that the trip took place, with actual costs (trip.completed)",
    description="After the return date (the `after-the-fact` example of `POST /v1/trips` "
    "has returned). Each cost names who paid it.",
    responses=ERRORS,
)
def complete_trip(body: CompleteBody, act: ReporterAct) -> Response:
    return act(body, lambda trip: outcomes.complete(act.session, act.settings, trip, body, act.key))


@router.post(
    "/{trip_id}/report",
    response_model=TripView,
    summary="File the post-trip report and follow-ups (trip.reported)",
    description="A result for every expected outcome (by its id); follow-up commitments get "
    "ids `f1`, `f2`... The report is due `TRIPS_REPORT_DUE_DAYS` after return.",
    responses=ERRORS,
)
def report_trip(body: ReportBody, act: ReporterAct) -> Response:
    return act(body, lambda trip: outcomes.report(act.session, act.settings, trip, body, act.key))


@router.patch(
    "/{trip_id}/followups/{followup_id}",
    response_model=TripView,
    summary="Update a follow-up commitment (followup.updated)",
    responses=ERRORS,
)
def update_followup(followup_id: FollowupId, body: FollowupUpdate, act: ReporterPatch) -> Response:
    """Change a follow-up's status, evidence or due date, with a note for the history. A new due
    date needs the note, which says why it moves (otherwise 422 at `body.note`). Done and
    dropped are final (409 to another status). Publishes the follow-up as it now stands.
    """
    return act(
        body,
        lambda trip: outcomes.update_followup(
            act.session, act.settings, trip, followup_id, body, act.key
        ),
    )


@router.post(
    "/{trip_id}/close",
    response_model=TripView,
    summary="Close a reported trip whose follow-ups are done or dropped (trip.closed)",
    responses=ERRORS,
)
def close_trip(act: ReporterAct) -> Response:
    """The end of a trip's life: reported, and every follow-up done or dropped."""
    return act(None, lambda trip: lifecycle.close(act.session, act.settings, trip, act.key))
