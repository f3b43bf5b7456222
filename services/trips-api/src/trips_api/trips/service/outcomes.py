"""What a trip came to: actual costs, the report and its follow-ups."""

from typing import Any

from sqlmodel import Session

from periplus import public, rules
from periplus.errors import ConflictError, InvalidError, NotFoundError
from periplus.public import TripStatus
from trips_api import money
from trips_api.clock import now, today
from trips_api.departments import service as departments_service
from trips_api.keys.models import ApiKey
from trips_api.problems import error
from trips_api.settings import Settings
from trips_api.trips.models import Trip
from trips_api.trips.normalise import resolve_rates
from trips_api.trips.schemas.reports import FollowupIn, FollowupUpdate, ReportBody, ResultIn
from trips_api.trips.schemas.requests import CompleteBody, CostItemIn
from trips_api.trips.service.steps import emit, public_followups, require_status, step


def resolve_costs(settings: Settings, items: list[CostItemIn], where: str) -> list[dict[str, Any]]:
    """Cost items as stored: each with its rate into the reporting currency, and its date."""
    dumped = [i.model_dump(mode="json") for i in items]
    return resolve_rates(settings, dumped, "amount", where, today())


def completion(settings: Settings, trip: Trip) -> public.TripCompleted:
    """The public account of what the trip cost, as it stands."""
    assert trip.actual_costs is not None
    currency = settings.reporting_currency
    items = [money.cost_item(currency, i) for i in trip.actual_costs]
    return public.TripCompleted(
        reference=trip.reference,
        actual_costs=items,
        actual_total=money.total(items, currency),
        city_share=money.total(items, currency, payer="city"),
    )


def report_errors(
    session: Session, trip: Trip, results: list[ResultIn], followups: list[FollowupIn], where: str
) -> list[dict[str, Any]]:
    """What does not match the trip: a result for every expected outcome, once, and
    follow-ups owned by active departments."""
    expected = [o["id"] for o in trip.record["expected_outcomes"]]
    given = [r.outcome_id for r in results]
    errors = [
        error(f"{where}.results", f"no result for expected outcome {o!r}", "missing")
        for o in expected
        if o not in given
    ]
    errors += [
        error(f"{where}.results.{n}.outcome_id", f"{o!r} is not an expected outcome of this trip")
        for n, o in enumerate(given)
        if o not in expected or given.index(o) != n
    ]
    return errors + owner_errors(session, followups, f"{where}.followups")


def owner_errors(session: Session, followups: list[FollowupIn], where: str) -> list[dict[str, Any]]:
    return [
        error(
            f"{where}.{n}.owner_department",
            f"no active department has the code {f.owner_department!r}",
        )
        for n, f in enumerate(followups)
        if departments_service.unusable(session, [f.owner_department])
    ]


def complete(
    session: Session, settings: Settings, trip: Trip, body: CompleteBody, key: ApiKey
) -> Trip:
    """Record that the trip took place, with what it actually cost."""
    require_status(trip, TripStatus.APPROVED)
    assert trip.return_date is not None
    if trip.return_date > today():
        raise ConflictError(
            f"Trip {trip.reference} returns on {trip.return_date}; complete it after return.",
        )
    trip.actual_costs = resolve_costs(settings, body.actual_costs, "body.actual_costs")
    trip.status, trip.completed_at = TripStatus.COMPLETED, now()
    step(session, settings, trip, key, "completed")
    emit(session, settings, trip, "trip.completed", completion(settings, trip))
    return trip


def report(session: Session, settings: Settings, trip: Trip, body: ReportBody, key: ApiKey) -> Trip:
    """File the post-trip report: a result for every expected outcome, and follow-ups."""
    require_status(trip, TripStatus.COMPLETED)
    errors = report_errors(session, trip, body.results, body.followups, "body")
    if errors:
        raise InvalidError("The report does not match the trip.", errors=errors)
    assert trip.return_date is not None
    day = today()
    filed = public.Report(
        summary=body.summary,
        results=[public.Result(**r.model_dump()) for r in body.results],
        documents=[public.Document(**d.model_dump()) for d in body.documents],
        filed_on=day,
        days_after_return=(day - trip.return_date).days,
    )
    trip.report = filed.model_dump(mode="json")
    trip.followups = [
        {"id": f"f{n}", **f.model_dump(mode="json")} for n, f in enumerate(body.followups, 1)
    ]
    trip.status, trip.reported_at = TripStatus.REPORTED, now()
    step(session, settings, trip, key, "reported")
    emit(
        session,
        settings,
        trip,
        "trip.reported",
        public.TripReported(
            reference=trip.reference, report=filed, followups=public_followups(session, trip)
        ),
    )
    return trip


def _require_not_final(
    trip: Trip, followup: dict[str, Any], given: dict[str, Any], note: str | None
) -> None:
    """Done and dropped are final: what was published as kept or given up is not taken back
    by an update, which needs no reason; nor is the evidence that showed it, which changes
    only with the reason why."""
    current = followup["status"]
    if current in rules.FOLLOWUP_PENDING:
        return
    status = given.get("status")
    if status is not None and status != current:
        raise ConflictError(
            f"Follow-up {followup['id']} of trip {trip.reference} is {current}, which is final. "
            "If the commitment still stands, add it again with the reason "
            "(POST .../followups, until the trip is closed).",
        )
    if "evidence" not in given or given["evidence"] == followup.get("evidence"):
        return
    if given["evidence"] is None and followup.get("evidence") is not None:
        raise ConflictError(
            f"Follow-up {followup['id']} of trip {trip.reference} is {current}: the evidence "
            "published with it is not taken back; give other evidence, with the reason.",
        )
    if note is None:
        raise InvalidError(
            f"Follow-up {followup['id']} is {current}: its evidence changes only with the "
            "reason why.",
            errors=[error("body.note", "say why the evidence changes", "missing")],
        )


def update_followup(
    session: Session,
    settings: Settings,
    trip: Trip,
    followup_id: str,
    body: FollowupUpdate,
    key: ApiKey,
) -> Trip:
    require_status(trip, TripStatus.REPORTED)
    index = next((n for n, f in enumerate(trip.followups) if f["id"] == followup_id), None)
    if index is None:
        raise NotFoundError(f"Trip {trip.reference} has no follow-up {followup_id!r}.")
    given = body.model_dump(mode="json", exclude_unset=True, exclude={"note"})
    if not given:
        raise InvalidError(
            "Nothing to change.",
            errors=[error("body", "name status, evidence or due_date", "missing")],
        )
    _require_not_final(trip, trip.followups[index], given, body.note)
    followups = [dict(f) for f in trip.followups]
    if all(followups[index].get(k) == v for k, v in given.items()):
        raise InvalidError(
            "Nothing changes: the follow-up already stands so.",
            errors=[error("body", "give a new status, evidence or due date", "no_change")],
        )
    moved = "due_date" in given and given["due_date"] != followups[index].get("due_date")
    if moved and body.note is None:
        raise InvalidError(
            "A follow-up's due date moves only with the reason why.",
            errors=[error("body.note", "say why the due date changes", "missing")],
        )
    followups[index].update(given)
    trip.followups = followups
    step(session, settings, trip, key, "followup_updated", body.note)
    emit(
        session,
        settings,
        trip,
        "followup.updated",
        public.FollowupUpdated(
            reference=trip.reference, followup=public_followups(session, trip)[index]
        ),
    )
    return trip
