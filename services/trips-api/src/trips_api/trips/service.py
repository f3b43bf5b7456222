"""The rules of a trip's life; callers commit.

Each step bumps the trip's version, stores the whole trip in its history, and,
once the trip is public, adds the step's event to the same transaction.
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import BaseModel, ValidationError
from sqlmodel import Session, col, select

from periplus import public
from periplus.web import ProblemError
from trips_api import money
from trips_api.departments import service as departments_service
from trips_api.events import service as events_service
from trips_api.keys.models import ApiKey
from trips_api.settings import Settings
from trips_api.trips import views
from trips_api.trips.models import Trip, TripVersion
from trips_api.trips.schemas import (
    ApproveBody,
    CancelBody,
    ChangeBody,
    CompleteBody,
    CostItemIn,
    FollowupUpdate,
    ReportBody,
    TripFields,
    TripPatch,
)

APPROVAL_NEEDS = (
    ("purpose", "a purpose"),
    ("departure_date", "a departure date"),
    ("return_date", "a return date"),
    ("itinerary", "an itinerary of at least one leg"),
    ("travellers", "at least one traveller"),
    ("agenda", "an agenda"),
    ("expected_outcomes", "expected outcomes"),
    ("budget", "a budget"),
)


def now() -> datetime:
    return datetime.now(UTC)


def today() -> date:
    return now().date()


def _invalid(detail: str, errors: list[dict[str, Any]]) -> ProblemError:
    return ProblemError(422, "Invalid input", detail, errors=errors)


def _error(location: str, message: str, type_: str = "value_error") -> dict[str, Any]:
    return {"location": location, "message": message, "type": type_}


def _validation_errors(exc: ValidationError, prefix: str) -> list[dict[str, Any]]:
    return [
        _error(".".join([prefix, *map(str, e["loc"])]), e["msg"], e["type"]) for e in exc.errors()
    ]


# ---- the record ----------------------------------------------------------------------


def _resolve_rates(
    settings: Settings, items: list[dict[str, Any]], money_field: str, where: str, day: date
) -> list[dict[str, Any]]:
    out, errors = [], []
    for n, item in enumerate(items):
        currency = item[money_field]["currency"]
        rate_date = date.fromisoformat(item["rate_date"]) if item.get("rate_date") else None
        try:
            rate, when = money.resolve_rate(
                settings, currency, item.get("exchange_rate"), rate_date, day
            )
        except money.NoRateError as exc:
            errors.append(_error(f"{where}.{n}.exchange_rate", str(exc), "missing_rate"))
            continue
        out.append({**item, "exchange_rate": rate, "rate_date": when.isoformat()})
    if errors:
        raise _invalid("Some amounts cannot be converted into the reporting currency.", errors)
    return out


def _normalise(
    session: Session,
    settings: Settings,
    fields: TripFields,
    where: str,
    already: frozenset[str] = frozenset(),
) -> dict[str, Any]:
    """The stored form of a trip's description: departments checked, rates fixed.

    Departments ``already`` on the trip stay allowed even if since retired, so an
    old trip can still be corrected.
    """
    record = fields.model_dump(mode="json")
    errors = [
        _error(f"{where}.lead_department", f"no active department has the code {code!r}")
        for code in departments_service.unusable(session, [fields.lead_department])
        if code not in already
    ] + [
        _error(f"{where}.departments", f"no active department has the code {code!r}")
        for code in departments_service.unusable(session, fields.departments)
        if code not in already
    ]
    if errors:
        raise _invalid("Departments must come from the city's registry.", errors)
    record["budget"] = _resolve_rates(
        settings, record["budget"], "amount", f"{where}.budget", today()
    )
    record["in_kind"] = _resolve_rates(
        settings, record["in_kind"], "estimated_value", f"{where}.in_kind", today()
    )
    return record


def _merge(
    session: Session, settings: Settings, trip: Trip, patch: TripPatch, where: str
) -> dict[str, Any]:
    given = patch.given()
    try:
        fields = TripFields.model_validate({**trip.record, **given})
    except ValidationError as exc:
        raise _invalid("The trip would not be valid.", _validation_errors(exc, where)) from exc
    already = frozenset([trip.record["lead_department"], *trip.record["departments"]])
    return _normalise(session, settings, fields, where, already)


def _index(trip: Trip) -> None:
    """Copy what listings filter on out of the record."""
    r = trip.record
    trip.title, trip.category, trip.lead_department = (
        r["title"],
        r["category"],
        r["lead_department"],
    )
    trip.departure_date = date.fromisoformat(r["departure_date"]) if r["departure_date"] else None
    trip.return_date = date.fromisoformat(r["return_date"]) if r["return_date"] else None
    trip.countries = ",".join(["", *sorted({leg["country"] for leg in r["itinerary"]}), ""])
    trip.departments = ",".join(["", r["lead_department"], *r["departments"], ""])
    trip.sdg_goals = ",".join(["", *map(str, r["sdg_goals"]), ""])
    trip.sdg_targets = ",".join(["", *r["sdg_targets"], ""])
    words = [trip.reference, r["title"], r["purpose"] or "", r["host_organisation"] or ""]
    words += r["networks"] + [leg["city"] for leg in r["itinerary"]]
    words += [o["text"] for o in r["expected_outcomes"]]
    trip.search = "\n".join(words).lower()
    trip.travellers_public = "\n".join(
        f"{t['name'] if t['name_public'] else ''} {t['position']}" for t in r["travellers"]
    ).lower()
    trip.travellers_all = "\n".join(f"{t['name']} {t['position']}" for t in r["travellers"]).lower()


def _set_report_due(settings: Settings, trip: Trip) -> None:
    assert trip.return_date is not None
    trip.report_due = trip.return_date + timedelta(days=settings.report_due_days)


# ---- history and events -----------------------------------------------------------------


def _step(
    session: Session,
    settings: Settings,
    trip: Trip,
    key: ApiKey,
    kind: str,
    reason: str | None = None,
) -> None:
    """Bump the version and keep the whole trip, as it now stands, in its history."""
    moment = now()
    trip.version += 1 if kind != "created" else 0
    trip.updated_by, trip.updated_at = key.id, moment
    session.add(trip)
    state = views.view(trip, settings.reporting_currency, today(), private=True)
    session.add(
        TripVersion(
            trip_id=trip.id,
            version=trip.version,
            kind=kind,
            at=moment,
            key_id=key.id,
            reason=reason,
            public=trip.approved_at is not None,
            state=state.model_dump(mode="json"),
        )
    )


def _emit(session: Session, settings: Settings, trip: Trip, type_: str, data: BaseModel) -> None:
    payload = data.model_dump(mode="json")
    public.DATA_MODELS[type_].model_validate(payload)  # the contract, checked before it leaves
    events_service.emit(session, settings.source, type_, uuid.UUID(trip.id), payload)


def _snapshot(session: Session, settings: Settings, trip: Trip) -> public.TripSnapshot:
    codes = [trip.record["lead_department"], *trip.record["departments"]]
    return views.snapshot(
        trip, settings.reporting_currency, departments_service.names(session, codes)
    )


def changes(before: dict[str, Any], after: dict[str, Any]) -> list[public.Change]:
    return [
        public.Change(field=name, before=before.get(name), after=after.get(name))
        for name in dict.fromkeys([*before, *after])
        if before.get(name) != after.get(name)
    ]


# ---- the life cycle ---------------------------------------------------------------------


def create(session: Session, settings: Settings, body: TripFields, key: ApiKey) -> Trip:
    record = _normalise(session, settings, body, "body")
    number = events_service.next_value(session, "trip_number")
    moment = now()
    trip = Trip(
        id=str(uuid.uuid4()),
        number=number,
        reference=f"{settings.reference_prefix}-{moment.year}-{number:04d}",
        status="draft",
        record=record,
        title=record["title"],
        category=record["category"],
        lead_department=record["lead_department"],
        created_by=key.id,
        updated_by=key.id,
        created_at=moment,
        updated_at=moment,
    )
    _index(trip)
    _step(session, settings, trip, key, "created")
    return trip


def get(
    session: Session,
    trip_id: uuid.UUID,
    *,
    include_unpublished: bool = True,
    for_update: bool = False,
) -> Trip:
    """One trip; ``for_update`` locks its row (PostgreSQL) so that two writes take turns."""
    query = select(Trip).where(col(Trip.id) == str(trip_id))
    trip = session.exec(query.with_for_update() if for_update else query).first()
    if trip is None or (not include_unpublished and trip.approved_at is None):
        raise ProblemError(404, "Not found", f"No trip has the id {trip_id}.")
    return trip


def _require_status(trip: Trip, *allowed: str) -> None:
    if trip.status not in allowed:
        raise ProblemError(
            409,
            "Conflict",
            f"Trip {trip.reference} is {trip.status}; this needs it {' or '.join(allowed)}.",
        )


def edit(session: Session, settings: Settings, trip: Trip, patch: TripPatch, key: ApiKey) -> Trip:
    """Edit in place, which only a trip not yet approved allows."""
    if trip.status in ("draft", "submitted"):
        trip.record = _merge(session, settings, trip, patch, "body")
        _index(trip)
        _step(session, settings, trip, key, "edited")
        return trip
    raise ProblemError(
        409,
        "Conflict",
        f"Trip {trip.reference} is {trip.status}: after approval a change is an amendment "
        "(POST .../amend) or a correction (POST .../correct), with its reason.",
    )


def missing_for_approval(trip: Trip) -> list[dict[str, Any]]:
    r = trip.record
    errors = [
        _error(f"trip.{name}", f"approval needs {what}", "missing")
        for name, what in APPROVAL_NEEDS
        if not r.get(name)
    ]
    if not (r["sdg_goals"] or r["sdg_targets"]):
        errors.append(_error("trip.sdg_targets", "approval needs an SDG goal or target", "missing"))
    return errors


def _require_complete(trip: Trip) -> None:
    errors = missing_for_approval(trip)
    if errors:
        raise _invalid(f"Trip {trip.reference} lacks what approval needs.", errors)


def submit(session: Session, settings: Settings, trip: Trip, key: ApiKey) -> Trip:
    _require_status(trip, "draft")
    _require_complete(trip)
    trip.status, trip.submitted_by, trip.submitted_at = "submitted", key.id, now()
    _step(session, settings, trip, key, "submitted")
    return trip


def approve(
    session: Session, settings: Settings, trip: Trip, body: ApproveBody, key: ApiKey
) -> Trip:
    """Approve, and so publish the pre-trip disclosure; needs a second pair of eyes."""
    _require_status(trip, "submitted")
    if key.id in (trip.created_by, trip.submitted_by):
        raise ProblemError(
            403,
            "Forbidden",
            "Four eyes: a trip must be approved with a key other than the ones that "
            "created and submitted it.",
        )
    _require_complete(trip)
    assert trip.departure_date is not None
    day = today()
    notice = (trip.departure_date - day).days
    if notice < settings.urgency_days and body.urgency_justification is None:
        raise _invalid(
            f"Trip {trip.reference} departs in {notice} days, less than the "
            f"{settings.urgency_days} days' notice the city requires.",
            [
                _error(
                    "body.urgency_justification",
                    "an approval at short notice needs a recorded justification",
                    "missing",
                )
            ],
        )
    moment = now()
    trip.status, trip.approved_by, trip.approved_at = "approved", key.id, moment
    trip.approved_on, trip.days_notice = day, notice
    trip.urgency_justification = body.urgency_justification
    _index(trip)
    _set_report_due(settings, trip)
    _step(session, settings, trip, key, "approved")
    _emit(
        session,
        settings,
        trip,
        "trip.approved",
        public.TripApproved(trip=_snapshot(session, settings, trip)),
    )
    return trip


def change(
    session: Session, settings: Settings, trip: Trip, body: ChangeBody, key: ApiKey, kind: str
) -> Trip:
    """An amendment (plans changed) or a correction (the record was wrong), with its reason."""
    if kind == "amended":
        _require_status(trip, "approved")
    else:
        _require_status(trip, "approved", "completed", "reported", "closed")
    if not body.changes.given():
        raise _invalid("Nothing to change.", [_error("body.changes", "name a field", "missing")])
    before = _snapshot(session, settings, trip).model_dump(mode="json")
    trip.record = _merge(session, settings, trip, body.changes, "body.changes")
    _require_complete(trip)
    _index(trip)
    _set_report_due(settings, trip)
    _step(session, settings, trip, key, kind, body.reason)
    snapshot = _snapshot(session, settings, trip)
    diff = changes(before, snapshot.model_dump(mode="json"))
    if diff:  # a change of private fields alone stays out of the public log
        _emit(
            session,
            settings,
            trip,
            f"trip.{kind}",
            public.TripAmended(trip=snapshot, changes=diff, reason=body.reason),
        )
    return trip


def cancel(session: Session, settings: Settings, trip: Trip, body: CancelBody, key: ApiKey) -> Trip:
    _require_status(trip, "draft", "submitted", "approved")
    trip.status, trip.cancel_reason, trip.cancelled_at = "cancelled", body.reason, now()
    _step(session, settings, trip, key, "cancelled", body.reason)
    if trip.approved_at is not None:
        _emit(
            session,
            settings,
            trip,
            "trip.cancelled",
            public.TripCancelled(reference=trip.reference, reason=body.reason),
        )
    return trip


def _costs(settings: Settings, items: list[CostItemIn], where: str) -> list[dict[str, Any]]:
    dumped = [i.model_dump(mode="json") for i in items]
    return _resolve_rates(settings, dumped, "amount", where, today())


def complete(
    session: Session, settings: Settings, trip: Trip, body: CompleteBody, key: ApiKey
) -> Trip:
    """Record that the trip took place, with what it actually cost."""
    _require_status(trip, "approved")
    assert trip.return_date is not None
    if trip.return_date > today():
        raise ProblemError(
            409,
            "Conflict",
            f"Trip {trip.reference} returns on {trip.return_date}; complete it after return.",
        )
    trip.actual_costs = _costs(settings, body.actual_costs, "body.actual_costs")
    trip.status, trip.completed_at = "completed", now()
    _step(session, settings, trip, key, "completed")
    items = [money.cost_item(settings.reporting_currency, i) for i in trip.actual_costs]
    currency = settings.reporting_currency
    _emit(
        session,
        settings,
        trip,
        "trip.completed",
        public.TripCompleted(
            reference=trip.reference,
            actual_costs=items,
            actual_total=money.total(items, currency),
            city_share=money.total(items, currency, payer="city"),
        ),
    )
    return trip


def _public_followups(session: Session, trip: Trip) -> list[public.Followup]:
    names = departments_service.names(session, [f["owner_department"] for f in trip.followups])
    return [
        public.Followup(
            **{**f, "owner_department": names.get(f["owner_department"], f["owner_department"])}
        )
        for f in trip.followups
    ]


def report(session: Session, settings: Settings, trip: Trip, body: ReportBody, key: ApiKey) -> Trip:
    """File the post-trip report: a result for every expected outcome, and follow-ups."""
    _require_status(trip, "completed")
    expected = [o["id"] for o in trip.record["expected_outcomes"]]
    given = [r.outcome_id for r in body.results]
    errors = [
        _error("body.results", f"no result for expected outcome {o!r}", "missing")
        for o in expected
        if o not in given
    ]
    errors += [
        _error(f"body.results.{n}.outcome_id", f"{o!r} is not an expected outcome of this trip")
        for n, o in enumerate(given)
        if o not in expected or given.index(o) != n
    ]
    errors += [
        _error(
            f"body.followups.{n}.owner_department",
            f"no active department has the code {f.owner_department!r}",
        )
        for n, f in enumerate(body.followups)
        if departments_service.unusable(session, [f.owner_department])
    ]
    if errors:
        raise _invalid("The report does not match the trip.", errors)
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
    trip.status, trip.reported_at = "reported", now()
    _step(session, settings, trip, key, "reported")
    _emit(
        session,
        settings,
        trip,
        "trip.reported",
        public.TripReported(
            reference=trip.reference, report=filed, followups=_public_followups(session, trip)
        ),
    )
    return trip


def update_followup(
    session: Session,
    settings: Settings,
    trip: Trip,
    followup_id: str,
    body: FollowupUpdate,
    key: ApiKey,
) -> Trip:
    _require_status(trip, "reported")
    index = next((n for n, f in enumerate(trip.followups) if f["id"] == followup_id), None)
    if index is None:
        raise ProblemError(
            404, "Not found", f"Trip {trip.reference} has no follow-up {followup_id!r}."
        )
    given = body.model_dump(mode="json", exclude_unset=True, exclude={"note"})
    if not given:
        raise _invalid(
            "Nothing to change.", [_error("body", "name status, evidence or due_date", "missing")]
        )
    followups = [dict(f) for f in trip.followups]
    followups[index].update(given)
    trip.followups = followups
    _step(session, settings, trip, key, "followup_updated", body.note)
    _emit(
        session,
        settings,
        trip,
        "followup.updated",
        public.FollowupUpdated(
            reference=trip.reference, followup=_public_followups(session, trip)[index]
        ),
    )
    return trip


def close(session: Session, settings: Settings, trip: Trip, key: ApiKey) -> Trip:
    _require_status(trip, "reported")
    open_ = [f["id"] for f in trip.followups if f["status"] not in ("done", "dropped")]
    if open_:
        raise ProblemError(
            409, "Conflict", f"Follow-ups {open_} are still open; mark them done or dropped first."
        )
    trip.status, trip.closed_at = "closed", now()
    _step(session, settings, trip, key, "closed")
    _emit(session, settings, trip, "trip.closed", public.TripClosed(reference=trip.reference))
    return trip


# ---- reading ----------------------------------------------------------------------------


class Filters(BaseModel):
    status: str | None = None
    department: str | None = None
    sdg_goal: int | None = None
    sdg_target: str | None = None
    country: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    traveller: str | None = None
    category: str | None = None
    overdue: bool | None = None
    q: str | None = None


def page(
    session: Session, filters: Filters, after: int, limit: int, *, private: bool, everything: bool
) -> Sequence[Trip]:
    """One page of trips in creation order; without ``everything``, only public ones."""
    query = select(Trip).where(col(Trip.number) > after)
    if not everything:
        query = query.where(col(Trip.approved_at).is_not(None))
    f = filters
    if f.status is not None:
        query = query.where(col(Trip.status) == f.status)
    if f.category is not None:
        query = query.where(col(Trip.category) == f.category)
    if f.department is not None:
        query = query.where(col(Trip.departments).contains(f",{f.department},", autoescape=True))
    if f.sdg_goal is not None:
        query = query.where(col(Trip.sdg_goals).contains(f",{f.sdg_goal},", autoescape=True))
    if f.sdg_target is not None:
        query = query.where(col(Trip.sdg_targets).contains(f",{f.sdg_target},", autoescape=True))
    if f.country is not None:
        query = query.where(col(Trip.countries).contains(f",{f.country.upper()},", autoescape=True))
    if f.date_from is not None:
        query = query.where(col(Trip.return_date) >= f.date_from)
    if f.date_to is not None:
        query = query.where(col(Trip.departure_date) <= f.date_to)
    if f.traveller is not None:
        column = Trip.travellers_all if private else Trip.travellers_public
        query = query.where(col(column).contains(f.traveller.lower(), autoescape=True))
    if f.q is not None:
        query = query.where(col(Trip.search).contains(f.q.lower(), autoescape=True))
    if f.overdue is not None:
        late = (col(Trip.status).in_(views.ACTIVE_FOR_REPORT)) & (col(Trip.report_due) < today())
        query = query.where(late if f.overdue else ~late | col(Trip.report_due).is_(None))
    return session.exec(query.order_by(col(Trip.number)).limit(limit)).all()


def history(session: Session, trip: Trip, *, private: bool) -> views.History:
    query = select(TripVersion).where(col(TripVersion.trip_id) == trip.id)
    if not private:
        query = query.where(col(TripVersion.public).is_(True))
    rows = session.exec(query.order_by(col(TripVersion.version))).all()
    entries: list[views.HistoryEntry] = []
    previous: dict[str, Any] | None = None
    ignore = {"version", "updated_at", "updated_by", "report_overdue"}
    for row in rows:
        state = row.state if private else views.public_copy(row.state)
        compared = {k: v for k, v in state.items() if k not in ignore}
        entries.append(
            views.HistoryEntry(
                version=row.version,
                kind=row.kind,
                at=row.at,
                key_id=row.key_id if private else None,
                reason=row.reason,
                changes=changes(previous, compared) if previous is not None else [],
                trip=views.TripView.model_validate(state),
            )
        )
        previous = compared
    return views.History(trip_id=uuid.UUID(trip.id), entries=entries)
