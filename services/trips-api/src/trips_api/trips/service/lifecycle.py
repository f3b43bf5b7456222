"""A trip from draft to approval, cancellation and close: the steps of its life cycle."""

import uuid
from datetime import date
from typing import Any

from sqlmodel import Session

from periplus import public, rules
from periplus.errors import ConflictError, NotFoundError
from periplus.public import TripStatus
from trips_api.clock import now, today
from trips_api.events import service as events_service
from trips_api.instances import new
from trips_api.keys.models import ApiKey
from trips_api.settings import Settings
from trips_api.trips import disclosure, repository
from trips_api.trips.disclosure import changes
from trips_api.trips.models import Trip
from trips_api.trips.normalise import index, merge, normalise, set_report_due
from trips_api.trips.schemas.requests import (
    ApproveBody,
    CancelBody,
    TripFields,
    TripPatch,
)
from trips_api.trips.schemas.responses import History, HistoryEntry, TripView
from trips_api.trips.service.steps import (
    emit,
    require_before_departure,
    require_complete,
    require_notice,
    require_other_holder,
    require_status,
    snapshot,
    step,
)


def create(session: Session, settings: Settings, body: TripFields, key: ApiKey) -> Trip:
    record = normalise(session, settings, body, "body")
    number = events_service.next_value(session, "trip_number")
    moment = now()
    trip = new(
        Trip,
        {
            "id": str(uuid.uuid4()),
            "number": number,
            "reference": f"{settings.reference_prefix}-{moment.year}-{number:04d}",
            "status": TripStatus.DRAFT,
            "record": record,
            "title": record["title"],
            "category": record["category"],
            "lead_department": record["lead_department"],
            "followups": [],  # given: a default factory costs a signature inspection per trip
            "created_by": key.id,
            "updated_by": key.id,
            "created_at": moment,
            "updated_at": moment,
        },
    )
    index(trip)
    step(session, settings, trip, key, "created")
    return trip


def get(
    session: Session,
    trip_id: uuid.UUID,
    *,
    include_unpublished: bool = True,
    for_update: bool = False,
) -> Trip:
    """One trip; ``for_update`` locks its row (PostgreSQL) so that two writes take turns, and
    the step that changes it writes its row (``repository.save``)."""
    trip = repository.get(session, trip_id, for_update=for_update)
    if trip is None or (not include_unpublished and trip.approved_at is None):
        raise NotFoundError(f"No trip has the id {trip_id}.")
    return trip


def history(session: Session, trip: Trip, *, private: bool, anonymous: bool = False) -> History:
    """Every version (without ``private``, the public ones, private fields blank), each with
    what changed since the one before. An ``anonymous`` reader's are numbered as the public
    versions, from 1 at approval, so that no gap tells of a private change between two."""
    rows = repository.versions(session, trip.id)
    # A name protected once stays hidden in every version, also after it left the record
    # (its traveller replaced, or its spelling corrected).
    protected = disclosure.protected_names(trip) | rules.protected_names(
        t for row in rows for t in row.state["travellers"]
    )
    entries: list[HistoryEntry] = []
    previous: dict[str, Any] | None = None
    ignore = {"version", "updated_at", "updated_by", "report_overdue"}
    for row in (r for r in rows if private or r.public):
        state = row.state if private else disclosure.public_copy(row.state, protected)
        compared = {k: v for k, v in state.items() if k not in ignore}
        version = len(entries) + 1 if anonymous else row.version
        if anonymous:
            state = {**state, "version": version, "updated_at": row.at}
        entries.append(
            HistoryEntry(
                version=version,
                kind=row.kind,
                at=row.at,
                key_id=row.key_id if private else None,
                reason=row.reason,
                changes=changes(previous, compared) if previous is not None else [],
                trip=TripView.model_validate(state),
            )
        )
        previous = compared
    return History(trip_id=uuid.UUID(trip.id), entries=entries)


def edit(session: Session, settings: Settings, trip: Trip, patch: TripPatch, key: ApiKey) -> Trip:
    """Edit in place, which only a trip not yet approved allows."""
    if trip.status in (TripStatus.DRAFT, TripStatus.SUBMITTED):
        record = merge(session, settings, trip, patch, "body")
        if record == trip.record:
            return trip  # nothing changes: no new version, nothing recorded
        trip.record = record
        index(trip)
        step(session, settings, trip, key, "edited")
        return trip
    raise ConflictError(
        f"Trip {trip.reference} is {trip.status}: after approval a change is an amendment "
        "(POST .../amend) or a correction (POST .../correct), with its reason.",
    )


def submit(session: Session, settings: Settings, trip: Trip, key: ApiKey) -> Trip:
    require_status(trip, TripStatus.DRAFT)
    require_complete(trip)
    trip.status, trip.submitted_by, trip.submitted_at = TripStatus.SUBMITTED, key.id, now()
    step(session, settings, trip, key, "submitted")
    return trip


def approve(
    session: Session, settings: Settings, trip: Trip, body: ApproveBody, key: ApiKey
) -> Trip:
    """Approve, and so publish the pre-trip disclosure; needs a second pair of eyes."""
    require_status(trip, TripStatus.SUBMITTED)
    require_other_holder(session, trip, key)
    require_complete(trip)
    assert trip.departure_date is not None
    day = today()
    notice = require_notice(settings, trip, trip.departure_date, day, body.urgency_justification)
    moment = now()
    trip.status, trip.approved_by, trip.approved_at = TripStatus.APPROVED, key.id, moment
    trip.approved_on, trip.days_notice = day, notice
    trip.urgency_justification = body.urgency_justification
    index(trip)
    set_report_due(settings, trip)
    step(session, settings, trip, key, "approved")
    emit(
        session,
        settings,
        trip,
        "trip.approved",
        public.TripApproved(trip=snapshot(session, settings, trip)),
    )
    return trip


def cancel(session: Session, settings: Settings, trip: Trip, body: CancelBody, key: ApiKey) -> Trip:
    require_status(trip, TripStatus.DRAFT, TripStatus.SUBMITTED, TripStatus.APPROVED)
    if trip.status == TripStatus.APPROVED:
        # A trip that took place stays on the record, with its report due.
        require_before_departure(
            trip, "cancelled", "if the record is wrong, correct it with the reason"
        )
        _require_never_departed(session, trip)
    trip.pending = None
    trip.status, trip.cancel_reason, trip.cancelled_at = TripStatus.CANCELLED, body.reason, now()
    step(session, settings, trip, key, "cancelled", body.reason)
    if trip.approved_at is not None:
        emit(
            session,
            settings,
            trip,
            "trip.cancelled",
            public.TripCancelled(reference=trip.reference, reason=body.reason),
        )
    return trip


def _require_never_departed(session: Session, trip: Trip) -> None:
    """Refuse to cancel a trip that departed by the dates approved at the time, even if
    its record now says otherwise (as a correction could make it say before that was
    refused): an overdue report is never cleared by cancelling."""
    rows = repository.departures(session, trip.id)
    ends = [at for at, _, _ in rows[1:]] + [now()]
    for (_, status, departure), end in zip(rows, ends, strict=True):
        if (
            status == TripStatus.APPROVED
            and departure
            and date.fromisoformat(departure) <= end.date()
        ):
            raise ConflictError(
                f"Trip {trip.reference} departed on {departure}, as approved then: it can no "
                "longer be cancelled; it stays on the record, its report due.",
            )


def close(session: Session, settings: Settings, trip: Trip, key: ApiKey) -> Trip:
    require_status(trip, TripStatus.REPORTED)
    open_ = [f["id"] for f in trip.followups if f["status"] in rules.FOLLOWUP_PENDING]
    if open_:
        raise ConflictError(f"Follow-ups {open_} are still open; mark them done or dropped first.")
    trip.status, trip.closed_at = TripStatus.CLOSED, now()
    step(session, settings, trip, key, "closed")
    emit(session, settings, trip, "trip.closed", public.TripClosed(reference=trip.reference))
    return trip
