"""Corrections of what a trip came to: its actual costs, its report, its follow-ups.

Each needs its reason, is kept in the history and is published as ``trip.corrected``
with the corrected part as it now stands. Actual costs are costs: like the budget,
their correction waits for another holder's approval. The report and follow-ups
change at once. One change at a time: none while another waits for approval.
"""

from typing import Any

from sqlmodel import Session

from periplus import public
from periplus.errors import InvalidError, NotFoundError
from periplus.public import TripStatus
from trips_api.departments import service as departments_service
from trips_api.keys.models import ApiKey
from trips_api.problems import error
from trips_api.settings import Settings
from trips_api.trips.models import Trip
from trips_api.trips.schemas.reports import FollowupCorrection, FollowupsAddition, ReportCorrection
from trips_api.trips.schemas.requests import CostsCorrection
from trips_api.trips.service.outcomes import (
    completion,
    owner_errors,
    report_errors,
    resolve_costs,
)
from trips_api.trips.service.steps import (
    emit,
    no_change,
    propose,
    public_followups,
    require_nothing_pending,
    require_status,
    snapshot,
    step,
)

FOLLOWUP_FIELDS = ("commitment", "owner_department", "due_date")


def _publish(
    session: Session,
    settings: Settings,
    trip: Trip,
    key: ApiKey,
    kind: str,
    reason: str,
    diff: list[public.Change],
    **part: Any,
) -> None:
    step(session, settings, trip, key, kind, reason)
    data = public.TripCorrected(
        trip=snapshot(session, settings, trip), changes=diff, reason=reason, **part
    )
    emit(session, settings, trip, "trip.corrected", data)


def correct_costs(
    session: Session, settings: Settings, trip: Trip, body: CostsCorrection, key: ApiKey
) -> Trip:
    """Propose the actual costs as they should stand; another holder approves them."""
    require_status(trip, TripStatus.COMPLETED, TripStatus.REPORTED, TripStatus.CLOSED)
    require_nothing_pending(trip)
    costs = resolve_costs(settings, body.actual_costs, "body.actual_costs")
    if costs == trip.actual_costs:
        raise no_change("body.actual_costs", "give the costs as they should stand")
    fields = ["actual_costs"]
    propose(
        session, settings, trip, key, "corrected", body.reason, fields, fields, actual_costs=costs
    )
    return trip


def apply_costs(
    session: Session,
    settings: Settings,
    trip: Trip,
    costs: list[dict[str, Any]],
    key: ApiKey,
    reason: str,
) -> None:
    """Make the approved correction of the actual costs the trip's, and publish it."""
    before = completion(settings, trip).model_dump(mode="json")["actual_costs"]
    trip.actual_costs = costs
    after = completion(settings, trip)
    diff = [
        public.Change(
            field="actual_costs", before=before, after=after.model_dump(mode="json")["actual_costs"]
        )
    ]
    _publish(session, settings, trip, key, "corrected", reason, diff, completed=after)


def correct_report(
    session: Session, settings: Settings, trip: Trip, body: ReportCorrection, key: ApiKey
) -> Trip:
    """Replace parts of a filed report (summary, results, documents), saying why."""
    require_status(trip, TripStatus.REPORTED, TripStatus.CLOSED)
    require_nothing_pending(trip)
    given = body.changes.given()
    if body.changes.results is not None:
        errors = report_errors(session, trip, body.changes.results, [], "body.changes")
        if errors:
            raise InvalidError("The report does not match the trip.", errors=errors)
    assert trip.report is not None
    before = trip.report
    after = public.Report(**{**before, **given}).model_dump(mode="json")
    diff = [
        public.Change(field=f"report.{name}", before=before[name], after=after[name])
        for name in given
        if before[name] != after[name]
    ]
    if not diff:
        raise no_change("body.changes", "name a part of the report with a new value")
    trip.report = after
    _publish(
        session, settings, trip, key, "corrected", body.reason, diff, report=public.Report(**after)
    )
    return trip


def _followup_index(trip: Trip, followup_id: str) -> int:
    index = next((n for n, f in enumerate(trip.followups) if f["id"] == followup_id), None)
    if index is None:
        raise NotFoundError(f"Trip {trip.reference} has no follow-up {followup_id!r}.")
    return index


def correct_followup(
    session: Session,
    settings: Settings,
    trip: Trip,
    followup_id: str,
    body: FollowupCorrection,
    key: ApiKey,
) -> Trip:
    """Correct what a follow-up commits to (its text, owner or due date), saying why."""
    require_status(trip, TripStatus.REPORTED, TripStatus.CLOSED)
    require_nothing_pending(trip)
    index = _followup_index(trip, followup_id)
    given = body.changes.given()
    owner = given.get("owner_department", trip.followups[index]["owner_department"])
    if owner != trip.followups[index]["owner_department"] and departments_service.unusable(
        session, [owner]
    ):
        raise InvalidError(
            "Departments must come from the city's registry.",
            errors=[
                error(
                    "body.changes.owner_department",
                    f"no active department has the code {owner!r}",
                )
            ],
        )
    before = public_followups(session, trip)[index].model_dump(mode="json")
    followups = [dict(f) for f in trip.followups]
    followups[index].update(given)
    trip.followups = followups
    after = public_followups(session, trip)
    shown = after[index].model_dump(mode="json")
    diff = [
        public.Change(
            field=f"followups.{followup_id}.{name}", before=before[name], after=shown[name]
        )
        for name in FOLLOWUP_FIELDS
        if before[name] != shown[name]
    ]
    if not diff:
        raise no_change("body.changes", "name commitment, owner_department or due_date anew")
    _publish(session, settings, trip, key, "corrected", body.reason, diff, followups=after)
    return trip


def add_followups(
    session: Session, settings: Settings, trip: Trip, body: FollowupsAddition, key: ApiKey
) -> Trip:
    """Add follow-up commitments to a filed report, saying why they come after it."""
    require_status(trip, TripStatus.REPORTED)
    require_nothing_pending(trip)
    errors = owner_errors(session, body.followups, "body.followups")
    if errors:
        raise InvalidError("Departments must come from the city's registry.", errors=errors)
    taken = max((int(f["id"][1:]) for f in trip.followups), default=0)
    added = [
        {"id": f"f{n}", **f.model_dump(mode="json")}
        for n, f in enumerate(body.followups, taken + 1)
    ]
    trip.followups = [*trip.followups, *added]
    after = public_followups(session, trip)
    diff = [
        public.Change(field=f"followups.{f.id}", before=None, after=f.model_dump(mode="json"))
        for f in after[len(after) - len(added) :]
    ]
    _publish(session, settings, trip, key, "followups_added", body.reason, diff, followups=after)
    return trip
