"""Corrections of what a trip came to (actual costs, report, follow-ups), and follow-ups
added after the report; each with its reason, published as ``trip.corrected``."""

from fastapi import APIRouter
from fastapi.responses import Response

from trips_api.trips.routes.common import ERRORS, FollowupId, ReporterAct
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
def correct_costs(body: CostsCorrection, act: ReporterAct) -> Response:
    return act(
        body, lambda trip: corrections.correct_costs(act.session, act.settings, trip, body, act.key)
    )


@router.post(
    "/{trip_id}/report/correct",
    response_model=TripView,
    summary="Correct the filed report: summary, results or documents (trip.corrected)",
    description="Replaces the parts sent, at once, and says why; results must still answer "
    "every expected outcome. The event carries the report as it now stands and what changed.",
    responses=ERRORS,
)
def correct_report(body: ReportCorrection, act: ReporterAct) -> Response:
    return act(
        body,
        lambda trip: corrections.correct_report(act.session, act.settings, trip, body, act.key),
    )


@router.post(
    "/{trip_id}/followups",
    response_model=TripView,
    summary="Add follow-up commitments after the report (trip.corrected)",
    description="While the trip is reported (not yet closed); each gets the next id (`f2`, "
    "`f3`...). The reason says why they come after the report.",
    responses=ERRORS,
)
def add_followups(body: FollowupsAddition, act: ReporterAct) -> Response:
    return act(
        body, lambda trip: corrections.add_followups(act.session, act.settings, trip, body, act.key)
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
    followup_id: FollowupId, body: FollowupCorrection, act: ReporterAct
) -> Response:
    return act(
        body,
        lambda trip: corrections.correct_followup(
            act.session, act.settings, trip, followup_id, body, act.key
        ),
    )
