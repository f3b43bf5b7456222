"""The rules of a trip's life; callers commit.

Each step bumps the trip's version, stores the whole trip in its history, and,
once the trip is public, adds the step's event to the same transaction.
"""

import uuid
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session, col, select

from periplus import public
from periplus.errors import ConflictError, ForbiddenError, NotFoundError
from trips_api import money
from trips_api.departments import service as departments_service
from trips_api.events import service as events_service
from trips_api.keys import service as keys_service
from trips_api.keys.models import ApiKey
from trips_api.settings import Settings
from trips_api.trips import views
from trips_api.trips.models import Trip, TripVersion
from trips_api.trips.record import (
    changes,
    error,
    index,
    invalid,
    merge,
    normalise,
    now,
    resolve_rates,
    set_report_due,
    today,
)
from trips_api.trips.schemas import (
    ApproveBody,
    CancelBody,
    ChangeBody,
    CompleteBody,
    CostItemIn,
    FollowupUpdate,
    RejectBody,
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


# ---- history and events -----------------------------------------------------------------


def _step(
    session: Session,
    settings: Settings,
    trip: Trip,
    key: ApiKey,
    kind: str,
    reason: str | None = None,
    *,
    public_step: bool = True,
) -> None:
    """Bump the version and keep the whole trip, as it now stands, in its history.

    A step of a published trip is in the public history unless ``public_step`` is
    False: a change of private fields alone leaves no public trace.
    """
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
            public=trip.approved_at is not None and public_step,
            state=state.model_dump(mode="json"),
        )
    )


def _emit(session: Session, settings: Settings, trip: Trip, type_: str, data: BaseModel) -> None:
    payload = data.model_dump(mode="json")
    public.DATA_MODELS[type_].model_validate(payload)  # the contract, checked before it leaves
    events_service.emit(session, settings.signer, type_, uuid.UUID(trip.id), payload)


def _snapshot(session: Session, settings: Settings, trip: Trip) -> public.TripSnapshot:
    codes = [trip.record["lead_department"], *trip.record["departments"]]
    return views.snapshot(
        trip, settings.reporting_currency, departments_service.names(session, codes)
    )


# ---- the life cycle ---------------------------------------------------------------------


def create(session: Session, settings: Settings, body: TripFields, key: ApiKey) -> Trip:
    record = normalise(session, settings, body, "body")
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
    index(trip)
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
        raise NotFoundError(f"No trip has the id {trip_id}.")
    return trip


def _require_status(trip: Trip, *allowed: str) -> None:
    if trip.status not in allowed:
        raise ConflictError(
            f"Trip {trip.reference} is {trip.status}; this needs it {' or '.join(allowed)}.",
        )


def edit(session: Session, settings: Settings, trip: Trip, patch: TripPatch, key: ApiKey) -> Trip:
    """Edit in place, which only a trip not yet approved allows."""
    if trip.status in ("draft", "submitted"):
        record = merge(session, settings, trip, patch, "body")
        if record == trip.record:
            return trip  # nothing changes: no new version, nothing recorded
        trip.record = record
        index(trip)
        _step(session, settings, trip, key, "edited")
        return trip
    raise ConflictError(
        f"Trip {trip.reference} is {trip.status}: after approval a change is an amendment "
        "(POST .../amend) or a correction (POST .../correct), with its reason.",
    )


def missing_for_approval(trip: Trip, record: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    r = trip.record if record is None else record
    errors = [
        error(f"trip.{name}", f"approval needs {what}", "missing")
        for name, what in APPROVAL_NEEDS
        if not r.get(name)
    ]
    if not (r["sdg_goals"] or r["sdg_targets"]):
        errors.append(error("trip.sdg_targets", "approval needs an SDG goal or target", "missing"))
    return errors


def _require_complete(trip: Trip) -> None:
    _require_complete_record(trip, trip.record)


def _require_complete_record(trip: Trip, record: dict[str, Any]) -> None:
    errors = missing_for_approval(trip, record)
    if errors:
        raise invalid(f"Trip {trip.reference} lacks what approval needs.", errors)


def _authors(session: Session, trip: Trip) -> list[ApiKey]:
    """The keys that created the trip, submitted it, or changed it since it was submitted."""
    rows = session.exec(
        select(TripVersion.version, TripVersion.kind, TripVersion.key_id)
        .where(col(TripVersion.trip_id) == trip.id)
        .order_by(col(TripVersion.version))
    ).all()
    submitted = max((v for v, kind, _ in rows if kind == "submitted"), default=0)
    ids = {k for v, kind, k in rows if kind == "created" or v >= submitted}
    ids |= {trip.created_by, *([trip.submitted_by] if trip.submitted_by else [])}
    return [k for k in (session.get(ApiKey, i) for i in sorted(ids)) if k is not None]


def _require_other_holder(
    session: Session, trip: Trip, key: ApiKey, authors: list[ApiKey] | None = None
) -> None:
    """Four eyes, by holder: no one approves what they wrote, with any key of theirs.

    A key counts for its holder and for the holders of the keys that minted it, so an
    admin cannot approve through a key it made for itself under another name, nor
    approve what a key it made wrote.
    """
    authors = _authors(session, trip) if authors is None else authors
    written_by = {a.holder_id for a in authors}
    answerable = set().union(*(keys_service.lineage(session, a) for a in authors))
    if key.holder_id in answerable or keys_service.lineage(session, key) & written_by:
        raise ForbiddenError(
            f"Four eyes: {key.holder!r} created, submitted or changed trip {trip.reference}, "
            "or proposed its change (or made the key that did); another holder must approve.",
        )


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
    _require_other_holder(session, trip, key)
    _require_complete(trip)
    assert trip.departure_date is not None
    day = today()
    notice = (trip.departure_date - day).days
    if notice < settings.urgency_days and body.urgency_justification is None:
        raise invalid(
            f"Trip {trip.reference} departs in {notice} days, less than the "
            f"{settings.urgency_days} days' notice the city requires.",
            [
                error(
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
    index(trip)
    set_report_due(settings, trip)
    _step(session, settings, trip, key, "approved")
    _emit(
        session,
        settings,
        trip,
        "trip.approved",
        public.TripApproved(trip=_snapshot(session, settings, trip)),
    )
    return trip


MATERIAL = (
    "purpose",
    "departure_date",
    "return_date",
    "itinerary",
    "travellers",
    "delegation_size",
    "budget",
    "in_kind",
)
"""What a change after approval takes effect in only once another holder approves it."""


def _material(before: dict[str, Any], after: dict[str, Any]) -> list[str]:
    """The fields of MATERIAL that differ; protecting a name alone is not material."""

    def unprotected(travellers: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [{**t, "name_public": None} for t in travellers]

    fields = [f for f in MATERIAL if before.get(f) != after.get(f)]
    if "travellers" in fields:
        old, new = before["travellers"], after["travellers"]
        republished = any(
            o["name"] == n["name"] and not o["name_public"] and n["name_public"]
            for o, n in zip(old, new, strict=False)
        )
        if unprotected(old) == unprotected(new) and not republished:
            fields.remove("travellers")
    return fields


def _require_before_departure(trip: Trip, what: str, instead: str) -> None:
    if trip.departure_date is not None and trip.departure_date <= today():
        raise ConflictError(
            f"Trip {trip.reference} departed on {trip.departure_date}: it can no longer be "
            f"{what}; {instead}.",
        )


def _require_nothing_pending(trip: Trip) -> None:
    if trip.pending is not None:
        raise ConflictError(
            f"Trip {trip.reference} has a change waiting for approval "
            "(POST .../change/approve or .../change/reject); one change at a time.",
        )


def change(
    session: Session, settings: Settings, trip: Trip, body: ChangeBody, key: ApiKey, kind: str
) -> Trip:
    """An amendment (plans changed, before travel) or a correction (the record was wrong).

    A change of purpose, dates, travellers or costs waits for another holder's approval
    (``trip.pending``); the trip stands as approved until then. Other changes take effect
    at once. A change that alters nothing is refused.
    """
    if kind == "amended":
        _require_status(trip, "approved")
        _require_before_departure(trip, "amended", "correct the record, with the reason, instead")
    else:
        _require_status(trip, "approved", "completed", "reported", "closed")
    _require_nothing_pending(trip)
    nothing = invalid(
        "Nothing changes: every field given already holds that value.",
        [error("body.changes", "name a field with a new value", "no_change")],
    )
    if not body.changes.given():
        raise nothing
    record = merge(session, settings, trip, body.changes, "body.changes")
    if record == trip.record:
        raise nothing
    _require_complete_record(trip, record)
    fields = _material(trip.record, record)
    if fields:
        trip.pending = {
            "kind": kind,
            "fields": fields,
            "record": record,
            "reason": body.reason,
            "key_id": key.id,
            "at": now().isoformat(),
        }
        _step(session, settings, trip, key, "change_proposed", body.reason)
        return trip
    _apply(session, settings, trip, record, key, kind, body.reason)
    return trip


def _apply(
    session: Session,
    settings: Settings,
    trip: Trip,
    record: dict[str, Any],
    key: ApiKey,
    kind: str,
    reason: str,
) -> None:
    """Make ``record`` the trip's, and publish what changed of its public record, if anything."""
    protected = {t["name"] for t in record["travellers"] if not t["name_public"]}
    before = _snapshot(session, settings, trip).model_dump(mode="json")
    trip.record = record
    index(trip)
    set_report_due(settings, trip)
    snapshot = _snapshot(session, settings, trip)
    # A name protected by this change is never republished, not even as the value before;
    # the change is still published, so that readers stop showing the name.
    shown = [
        {**t, "name": None if t["name"] in protected else t["name"]} for t in before["travellers"]
    ]
    diff = [
        c.model_copy(update={"before": shown}) if c.field == "travellers" else c
        for c in changes(before, snapshot.model_dump(mode="json"))
    ]
    # A change of private fields alone stays out of the public log and the public history.
    _step(session, settings, trip, key, kind, reason, public_step=bool(diff))
    if diff:
        _emit(
            session,
            settings,
            trip,
            f"trip.{kind}",
            public.TripAmended(trip=snapshot, changes=diff, reason=reason),
        )


def approve_change(session: Session, settings: Settings, trip: Trip, key: ApiKey) -> Trip:
    """Another holder than the proposer's approves a pending change, which then takes effect."""
    pending = _pending(trip)
    proposer = session.get(ApiKey, pending["key_id"])
    _require_other_holder(session, trip, key, [proposer] if proposer else [])
    trip.pending = None
    _apply(session, settings, trip, pending["record"], key, pending["kind"], pending["reason"])
    return trip


def reject_change(
    session: Session, settings: Settings, trip: Trip, body: RejectBody, key: ApiKey
) -> Trip:
    """Drop a pending change; the trip stays as approved, and the history says why."""
    _pending(trip)
    trip.pending = None
    _step(session, settings, trip, key, "change_rejected", body.reason)
    return trip


def _pending(trip: Trip) -> dict[str, Any]:
    if trip.pending is None:
        raise ConflictError(f"Trip {trip.reference} has no change waiting for approval.")
    return trip.pending


def cancel(session: Session, settings: Settings, trip: Trip, body: CancelBody, key: ApiKey) -> Trip:
    _require_status(trip, "draft", "submitted", "approved")
    if trip.status == "approved":
        # A trip that took place stays on the record, with its report due.
        _require_before_departure(
            trip, "cancelled", "if the record is wrong, correct it with the reason"
        )
    trip.pending = None
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
    return resolve_rates(settings, dumped, "amount", where, today())


def complete(
    session: Session, settings: Settings, trip: Trip, body: CompleteBody, key: ApiKey
) -> Trip:
    """Record that the trip took place, with what it actually cost."""
    _require_status(trip, "approved")
    assert trip.return_date is not None
    if trip.return_date > today():
        raise ConflictError(
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
        error("body.results", f"no result for expected outcome {o!r}", "missing")
        for o in expected
        if o not in given
    ]
    errors += [
        error(f"body.results.{n}.outcome_id", f"{o!r} is not an expected outcome of this trip")
        for n, o in enumerate(given)
        if o not in expected or given.index(o) != n
    ]
    errors += [
        error(
            f"body.followups.{n}.owner_department",
            f"no active department has the code {f.owner_department!r}",
        )
        for n, f in enumerate(body.followups)
        if departments_service.unusable(session, [f.owner_department])
    ]
    if errors:
        raise invalid("The report does not match the trip.", errors)
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
        raise NotFoundError(f"Trip {trip.reference} has no follow-up {followup_id!r}.")
    given = body.model_dump(mode="json", exclude_unset=True, exclude={"note"})
    if not given:
        raise invalid(
            "Nothing to change.", [error("body", "name status, evidence or due_date", "missing")]
        )
    followups = [dict(f) for f in trip.followups]
    if all(followups[index].get(k) == v for k, v in given.items()):
        raise invalid(
            "Nothing changes: the follow-up already stands so.",
            [error("body", "give a new status, evidence or due date", "no_change")],
        )
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
        raise ConflictError(f"Follow-ups {open_} are still open; mark them done or dropped first.")
    trip.status, trip.closed_at = "closed", now()
    _step(session, settings, trip, key, "closed")
    _emit(session, settings, trip, "trip.closed", public.TripClosed(reference=trip.reference))
    return trip
