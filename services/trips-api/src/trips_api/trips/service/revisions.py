"""Changes to an approved trip's record: amendments and corrections, and the wait for
another holder's approval of a material one."""

from datetime import date
from typing import Any, NamedTuple

from sqlmodel import Session

from periplus import public, rules
from periplus.errors import ConflictError, InvalidError
from periplus.public import TripStatus
from trips_api.clock import today
from trips_api.keys.models import ApiKey
from trips_api.problems import error
from trips_api.settings import Settings
from trips_api.trips.disclosure import changes
from trips_api.trips.models import Trip
from trips_api.trips.normalise import index, merge, set_report_due
from trips_api.trips.schemas.requests import ApproveBody, ChangeBody, RejectBody
from trips_api.trips.service import corrections
from trips_api.trips.service.steps import (
    emit,
    no_change,
    pending_of,
    propose,
    require_before_departure,
    require_complete_record,
    require_nothing_pending,
    require_notice,
    require_other_holder,
    require_status,
    snapshot,
    step,
)

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


def _newly_protected(before: dict[str, Any], after: dict[str, Any]) -> frozenset[str]:
    """The names public in ``before`` that ``after`` protects."""
    public_now = {t["name"] for t in before["travellers"] if t["name_public"]}
    return rules.protected_names(after["travellers"]) & public_now


def _protect(record: dict[str, Any], names: frozenset[str]) -> dict[str, Any]:
    """``record`` with ``names`` protected wherever they appear in it."""
    travellers = [
        {**t, "name_public": False} if t["name"] in names else t for t in record["travellers"]
    ]
    return {**record, "travellers": travellers}


def _protect_now(
    session: Session,
    settings: Settings,
    trip: Trip,
    names: frozenset[str],
    key: ApiKey,
    kind: str,
    reason: str,
) -> None:
    """Protect ``names`` at once, in the record and in a change that waits: the law does not
    wait for another holder, and a change approved or rejected later must not undo it."""
    pending = trip.pending
    if pending is not None and "record" in pending:
        trip.pending = {**pending, "record": _protect(pending["record"], names)}
    _apply(session, settings, trip, _protect(trip.record, names), key, kind, reason)


def change(
    session: Session, settings: Settings, trip: Trip, body: ChangeBody, key: ApiKey, kind: str
) -> Trip:
    """An amendment (plans changed, before travel) or a correction (the record was wrong).

    A change of purpose, dates, travellers or costs waits for another holder's approval
    (``trip.pending``); the trip stands as approved until then. Other changes take effect
    at once. A name it protects is protected at once, even while another change waits, and
    the rest of it waits as it would. A change that alters nothing is refused.
    """
    if kind == "amended":
        require_status(trip, TripStatus.APPROVED)
        require_before_departure(trip, "amended", "correct the record, with the reason, instead")
    else:
        require_status(
            trip, TripStatus.APPROVED, TripStatus.COMPLETED, TripStatus.REPORTED, TripStatus.CLOSED
        )
    nothing = no_change("body.changes", "name a field with a new value")
    if not body.changes.given():
        raise nothing
    record = merge(session, settings, trip, body.changes, "body.changes")
    if record == trip.record:
        raise nothing
    names = _newly_protected(trip.record, record)
    if names and _protect(trip.record, names) == record:
        _protect_now(session, settings, trip, names, key, kind, body.reason)
        return trip
    require_nothing_pending(trip)
    require_complete_record(trip, record)
    require_departure_kept(trip, record, "body.changes.departure_date")
    fields = _material(trip.record, record)
    if fields:
        if names:
            _protect_now(session, settings, trip, names, key, kind, body.reason)
        before = snapshot(session, settings, trip).model_dump(mode="json")
        after = snapshot(session, settings, trip, record).model_dump(mode="json")
        seen = [f for f in fields if before.get(f) != after.get(f)]
        propose(session, settings, trip, key, kind, body.reason, fields, seen, record=record)
        return trip
    _apply(session, settings, trip, record, key, kind, body.reason)
    return trip


def require_departure_kept(trip: Trip, record: dict[str, Any], at: str | None = None) -> None:
    """A trip that has departed stays departed: no change moves its departure to a day that
    has not come. Otherwise a correction could reopen what only a trip not yet gone may do
    (cancel it, and so clear a report that is due); ``at`` locates the date in the body."""
    day = today()
    moved = record["departure_date"]
    if trip.departure_date is None or trip.departure_date > day or moved is None:
        return
    if date.fromisoformat(moved) <= day:
        return
    message = f"the trip departed on {trip.departure_date}; {moved} has not come"
    raise ConflictError(
        f"Trip {trip.reference} departed on {trip.departure_date}: its departure cannot move "
        f"to {moved}, a day that has not come. A trip that took place stays on the record, "
        "its report due; correct the departure to a day that has passed.",
        errors=None if at is None else [error(at, message, "departed")],
    )


class Notice(NamedTuple):
    """The notice of the approval of a trip's departure date, and the reason for it if short."""

    approved_on: date
    days_notice: int
    urgency_justification: str | None


def _apply(
    session: Session,
    settings: Settings,
    trip: Trip,
    record: dict[str, Any],
    key: ApiKey,
    kind: str,
    reason: str,
    notice: Notice | None = None,
) -> None:
    """Make ``record`` the trip's, with ``notice`` if given, and publish what changed of its
    public record, if anything."""
    protected = rules.protected_names(record["travellers"])
    before = snapshot(session, settings, trip).model_dump(mode="json")
    trip.record = record
    if notice is not None:
        trip.approved_on, trip.days_notice, trip.urgency_justification = notice
    index(trip)
    set_report_due(settings, trip)
    after = snapshot(session, settings, trip)
    # A name protected by this change is never republished, not even as the value before;
    # the change is still published, so that readers stop showing the name.
    shown = [
        {**t, "name": None if t["name"] in protected else t["name"]} for t in before["travellers"]
    ]
    diff = [
        c.model_copy(update={"before": shown}) if c.field == "travellers" else c
        for c in changes(before, after.model_dump(mode="json"))
    ]
    # A change of private fields alone stays out of the public log and the public history.
    step(session, settings, trip, key, kind, reason, public_step=bool(diff))
    if diff:
        emit(
            session,
            settings,
            trip,
            f"trip.{kind}",
            public.TripAmended(trip=after, changes=diff, reason=reason),
        )


def _notice(
    settings: Settings, trip: Trip, pending: dict[str, Any], justification: str | None
) -> Notice | None:
    """The notice that approving ``pending`` gives, if it moves the departure: a date moved
    close is approved at short notice, and needs its justification as the trip's approval
    did. A justification for a change that moves no departure is refused, not lost."""
    record = pending.get("record")
    if record is None or record["departure_date"] == trip.record["departure_date"]:
        if justification is not None:
            raise InvalidError(
                f"The change waiting on trip {trip.reference} does not move its departure.",
                errors=[
                    error(
                        "body.urgency_justification",
                        "only a change of the departure date is approved with one",
                        "unexpected",
                    )
                ],
            )
        return None
    day = today()
    departure = date.fromisoformat(record["departure_date"])
    days = require_notice(settings, trip, departure, day, justification)
    return Notice(day, days, justification)


def approve_change(
    session: Session, settings: Settings, trip: Trip, body: ApproveBody, key: ApiKey
) -> Trip:
    """Another holder than the proposer's approves a pending change, which then takes effect.

    An amendment takes effect only before departure, as it is proposed: once the trip has
    left, the plans it changes are what happened, and the record is corrected instead. A
    change of the departure date approves the trip's notice anew, as of this approval."""
    pending = pending_of(trip)
    if pending["kind"] == "amended":
        require_before_departure(
            trip, "amended", "reject the change, and correct the record with the reason instead"
        )
    require_other_holder(session, trip, key, [pending["key_id"]])
    if "record" in pending:  # proposed before departure, perhaps, and approved after it
        require_departure_kept(trip, pending["record"])
    notice = _notice(settings, trip, pending, body.urgency_justification)
    trip.pending = None
    if "actual_costs" in pending:
        corrections.apply_costs(
            session, settings, trip, pending["actual_costs"], key, pending["reason"]
        )
    else:
        record, kind, reason = pending["record"], pending["kind"], pending["reason"]
        _apply(session, settings, trip, record, key, kind, reason, notice)
    return trip


def reject_change(
    session: Session, settings: Settings, trip: Trip, body: RejectBody, key: ApiKey
) -> Trip:
    """Another holder than the proposer's drops a pending change; the trip stays as
    approved, and the history says why.

    A pending change the public was told of (``trip.change_pending``) is closed in public
    too (``trip.change_rejected``), with the reason it was rejected.
    """
    pending = pending_of(trip)
    require_other_holder(session, trip, key, [pending["key_id"]], deed="reject")
    trip.pending = None
    published = pending.get("public_fields") or []
    seen = bool(pending.get("public_fields", pending["fields"]))  # a change kept before it
    step(session, settings, trip, key, "change_rejected", body.reason, public_step=seen)
    if published:
        emit(
            session,
            settings,
            trip,
            "trip.change_rejected",
            public.TripChangeRejected(
                reference=trip.reference, kind=pending["kind"], fields=published, reason=body.reason
            ),
        )
    return trip
