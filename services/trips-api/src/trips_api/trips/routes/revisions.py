"""Changes after approval: amendments, corrections of the record, and the approval or
rejection of a change that waits for another holder."""

import uuid

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trips_api.deps import Approver, IdempotencyKey, IfMatch, SessionDep, Writer
from trips_api.keys.models import ApiKey
from trips_api.trips.routes.common import ERRORS, TripId, act_on
from trips_api.trips.schemas.requests import ChangeBody, CorrectBody, RejectBody
from trips_api.trips.schemas.responses import TripView
from trips_api.trips.service import revisions

router = APIRouter()


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
    return act_on(
        request,
        session,
        key,
        trip_id,
        if_match,
        idem,
        body,
        lambda settings, trip: revisions.change(session, settings, trip, body, key, kind),
    )


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
    response_model=TripView,
    summary="Correct a published record that was wrong (trip.corrected)",
    description="Allowed at any stage after approval, and the only change after departure; "
    "says what was wrong and why. Purpose, dates, travellers or costs wait for another "
    "holder's approval, as amendments do.",
    responses=ERRORS,
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
    response_model=TripView,
    summary="Approve the pending change, which then takes effect (trip.amended or trip.corrected)",
    description="A change of purpose, dates, travellers or costs after approval waits for this: "
    "a holder other than the one who proposed it (four eyes) approves it.",
    responses=ERRORS,
)
def approve_change(
    request: Request,
    trip_id: TripId,
    session: SessionDep,
    key: Approver,
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
        None,
        lambda settings, trip: revisions.approve_change(session, settings, trip, key),
    )


@router.post(
    "/{trip_id}/change/reject",
    response_model=TripView,
    summary="Reject the pending change; the trip stays as approved",
    description="The history keeps the proposal and the reason it was rejected; nothing is "
    "published.",
    responses=ERRORS,
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
    return act_on(
        request,
        session,
        key,
        trip_id,
        if_match,
        idem,
        body,
        lambda settings, trip: revisions.reject_change(session, settings, trip, body, key),
    )
