"""Corrections of what a trip came to (actual costs, report, follow-ups), and follow-ups
added after the report; each with its reason, published as ``trip.corrected``."""

from fastapi import APIRouter, Request
from fastapi.responses import Response

from trips_api.deps import IdempotencyKey, IfMatch, Reporter, SessionDep
from trips_api.trips.routes.common import ERRORS, FollowupId, TripId, act_on
from trips_api.trips.schemas.reports import FollowupCorrection, FollowupsAddition, ReportCorrection
from trips_api.trips.schemas.requests import CostsCorrection
from trips_api.trips.schemas.responses import TripView
from trips_api.trips.service import corrections

router = APIRouter()


@router.post(
    "/{trip_id}/costs/correct",
    response_model=TripView,
    summary="Correct the actual costs, once another holder approves (trip.corrected)",
    description="After completion, at any later stage: the costs as they should stand, and "
    "why. Costs are material: the correction waits, as `pending_change` (published as "
    "`trip.change_pending`: which fields and why), for a holder other than its proposer to "
    "approve it (`POST .../change/approve`). Costs that change nothing are refused (422).",
    responses=ERRORS,
)
def correct_costs(
    request: Request,
    trip_id: TripId,
    body: CostsCorrection,
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
        lambda settings, trip: corrections.correct_costs(session, settings, trip, body, key),
    )


@router.post(
    "/{trip_id}/report/correct",
    response_model=TripView,
    summary="Correct the filed report: summary, results or documents (trip.corrected)",
    description="Replaces the parts sent, at once, and says why; results must still answer "
    "every expected outcome. The event carries the report as it now stands and what changed.",
    responses=ERRORS,
)
def correct_report(
    request: Request,
    trip_id: TripId,
    body: ReportCorrection,
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
        lambda settings, trip: corrections.correct_report(session, settings, trip, body, key),
    )


@router.post(
    "/{trip_id}/followups",
    response_model=TripView,
    summary="Add follow-up commitments after the report (trip.corrected)",
    description="While the trip is reported (not yet closed); each gets the next id (`f2`, "
    "`f3`...). The reason says why they come after the report.",
    responses=ERRORS,
)
def add_followups(
    request: Request,
    trip_id: TripId,
    body: FollowupsAddition,
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
        lambda settings, trip: corrections.add_followups(session, settings, trip, body, key),
    )


@router.post(
    "/{trip_id}/followups/{followup_id}/correct",
    response_model=TripView,
    summary="Correct what a follow-up commits to: text, owner or due date (trip.corrected)",
    description="For a commitment recorded wrong; its progress (status, evidence) is "
    "`PATCH .../followups/{followup_id}`. The event carries every follow-up as it now stands.",
    responses=ERRORS,
)
def correct_followup(
    request: Request,
    trip_id: TripId,
    followup_id: FollowupId,
    body: FollowupCorrection,
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
        lambda settings, trip: corrections.correct_followup(
            session, settings, trip, followup_id, body, key
        ),
    )
