"""Changes after approval: amendments, corrections of the record, and the approval or
rejection of a change that waits for another holder."""

from fastapi import APIRouter
from fastapi.responses import Response

from trips_api.trips.routes.common import ERRORS, ApproverAct, WriterAct
from trips_api.trips.schemas.requests import ApproveBody, ChangeBody, CorrectBody, RejectBody
from trips_api.trips.schemas.responses import TripView
from trips_api.trips.service import revisions

router = APIRouter()


@router.post(
    "/{trip_id}/amend",
    response_model=TripView,
    summary="Amend an approved trip before departure (trip.amended)",
    description="For plans that changed: dates, delegation, budget... A change of purpose, "
    "dates, travellers or costs waits, as `pending_change`, for another holder to approve it "
    "(`POST .../change/approve`); others take effect at once. The history keeps both versions "
    "and the reason; the event carries the new snapshot and the changes. A change that alters "
    "nothing is refused (422).",
    responses=ERRORS,
)
def amend_trip(body: ChangeBody, act: WriterAct) -> Response:
    return act(
        body,
        lambda trip: revisions.change(act.session, act.settings, trip, body, act.key, "amended"),
    )


@router.post(
    "/{trip_id}/correct",
    response_model=TripView,
    summary="Correct a published record that was wrong (trip.corrected)",
    description="Allowed at any stage after approval, and the only change after departure; "
    "says what was wrong and why. Purpose, dates, travellers or costs wait for another "
    "holder's approval, as amendments do. Once the trip has departed, its departure may "
    "move only to a day that has passed (409), approved or not.",
    responses=ERRORS,
)
def correct_trip(body: CorrectBody, act: WriterAct) -> Response:
    return act(
        body,
        lambda trip: revisions.change(act.session, act.settings, trip, body, act.key, "corrected"),
    )


@router.post(
    "/{trip_id}/change/approve",
    response_model=TripView,
    summary="Approve the pending change, which then takes effect (trip.amended or trip.corrected)",
    description="A change of purpose, dates, travellers or costs after approval waits for this: "
    "a holder other than the one who proposed it (four eyes) approves it. A change of the "
    "departure date is approved at the notice it gives as of now (`approved_on`, "
    "`days_notice`): at short notice, or after the fact, it needs `urgency_justification`.",
    responses=ERRORS,
)
def approve_change(act: ApproverAct, body: ApproveBody | None = None) -> Response:
    given = body or ApproveBody()
    return act(
        given,
        lambda trip: revisions.approve_change(act.session, act.settings, trip, given, act.key),
    )


@router.post(
    "/{trip_id}/change/reject",
    response_model=TripView,
    summary="Reject the pending change; the trip stays as approved",
    description="A holder other than the one who proposed it (four eyes) rejects it. The "
    "history keeps the proposal and the reason it was rejected; a change the public was told "
    "of is closed by `trip.change_rejected`, with the reason.",
    responses=ERRORS,
)
def reject_change(body: RejectBody, act: ApproverAct) -> Response:
    return act(
        body, lambda trip: revisions.reject_change(act.session, act.settings, trip, body, act.key)
    )
