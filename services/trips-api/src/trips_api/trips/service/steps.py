"""What every step of a trip shares: its history entry, its event, and the guards of
status, time and four eyes."""

import uuid
from collections.abc import Sequence
from datetime import date
from typing import Any

from pydantic import BaseModel
from sqlmodel import Session

from periplus import public, rules
from periplus.errors import ConflictError, ForbiddenError, InvalidError
from trips_api.clock import now, today
from trips_api.departments import service as departments_service
from trips_api.events import service as events_service
from trips_api.keys.models import PRIVATE_SCOPES, ApiKey, holder_id
from trips_api.problems import error
from trips_api.settings import Settings
from trips_api.trips import disclosure, repository
from trips_api.trips.models import Trip
from trips_api.trips.schemas.responses import TripView

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

_STEPPED = "trips_api.stepped_view"


def step(
    session: Session,
    settings: Settings,
    trip: Trip,
    key: ApiKey,
    kind: str,
    reason: str | None = None,
    *,
    public_step: bool = True,
) -> None:
    """Bump the version, write the trip's row and keep the whole trip, as it now stands, in
    its history.

    A step of a published trip is in the public history unless ``public_step`` is
    False: a change of private fields alone leaves no public trace.
    """
    moment = now()
    trip.version += 1 if kind != "created" else 0
    trip.updated_by, trip.updated_at = key.id, moment
    public = trip.approved_at is not None and public_step
    if public:
        trip.public_version += 1
        trip.public_updated_at = moment
    repository.save(session, trip)
    state = disclosure.view(trip, settings.reporting_currency, today(), private=True)
    session.info[_STEPPED] = (trip, state)
    repository.add_version(
        session,
        trip_id=trip.id,
        version=trip.version,
        kind=kind,
        at=moment,
        key_id=key.id,
        reason=reason,
        public=public,
        state=state,  # written as its JSON by the engine's serializer, with no dict between
    )


def stepped_view(session: Session, trip: Trip) -> TripView | None:
    """The private view that the last ``step`` of ``trip`` kept in its history, while the trip
    stands as it did then: an answer after a step need not build it again."""
    kept = session.info.pop(_STEPPED, None)
    if kept is None or kept[0] is not trip:
        return None
    view: TripView = kept[1]
    return view if (view.version, view.updated_at) == (trip.version, trip.updated_at) else None


def emit(session: Session, settings: Settings, trip: Trip, type_: str, data: BaseModel) -> None:
    """Add the event to the outbox; optional parts of ``data`` left unset are left out.

    The payload is checked against the contract's model of ``type_`` before it leaves, unless
    ``data`` was built as that very model, and so validated already.
    """
    unset = set(type(data).model_fields) - data.model_fields_set
    payload = data.model_dump(mode="json", exclude=unset)
    contract = public.DATA_MODELS[type_]
    if type(data) is not contract:
        contract.model_validate(payload)
    events_service.emit(session, settings.signer, type_, uuid.UUID(trip.id), payload)


def snapshot(
    session: Session, settings: Settings, trip: Trip, record: dict[str, Any] | None = None
) -> public.TripSnapshot:
    """The trip's public record; with ``record``, as it would stand with that description."""
    r = trip.record if record is None else record
    codes = [r["lead_department"], *r["departments"]]
    names = departments_service.names(session, codes)
    return disclosure.snapshot(trip, settings.reporting_currency, names, r)


def require_status(trip: Trip, *allowed: public.TripStatus) -> None:
    if trip.status not in allowed:
        raise ConflictError(
            f"Trip {trip.reference} is {trip.status}; this needs it {' or '.join(allowed)}.",
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


def require_complete(trip: Trip) -> None:
    require_complete_record(trip, trip.record)


def require_complete_record(trip: Trip, record: dict[str, Any]) -> None:
    errors = missing_for_approval(trip, record)
    if errors:
        raise InvalidError(f"Trip {trip.reference} lacks what approval needs.", errors=errors)


def require_other_holder(
    session: Session,
    trip: Trip,
    key: ApiKey,
    authors: list[str] | None = None,
    deed: str = "approve",
) -> None:
    """Four eyes, by holder and by authority: no one approves what they wrote, with any key
    of theirs, nor rejects a change they proposed (``deed``): the decision is another's.

    The authors are the keys that created the trip, changed it (a draft too: whoever
    wrote what is approved wrote it, whoever submitted it) or submitted it, or, given,
    the keys in ``authors``. A key counts for its holder and for the holders of the keys
    that minted it, so an admin cannot approve through a key it made for itself under
    another name, nor approve what a key it made wrote. And a key that minted, directly
    or through other keys, both an author's key and the deciding one holds both: the
    decision needs a key from another authority (``_shared_authority``).
    """
    rows = repository.lineages(session, trip, key.id, authors)
    written_by = {holder_id(h) for role, start, _, k, h in rows if role == "author" and k == start}
    answerable = {holder_id(h) for role, *_, h in rows if role == "author"}
    approver_lineage = {holder_id(h) for role, *_, h in rows if role == "approver"}
    if key.holder_id in answerable or approver_lineage & written_by:
        raise ForbiddenError(
            f"Four eyes: {key.holder!r} created, submitted or changed trip {trip.reference}, "
            f"or proposed its change (or made the key that did); another holder must {deed}.",
        )
    shared = _shared_authority(rows)
    if shared is not None:
        shared_id, shared_holder = shared
        seen = bool(key.scope_set & PRIVATE_SCOPES)  # key ids are private data
        named = f"key {shared_id} ({shared_holder!r})" if seen else f"a key of {shared_holder!r}"
        raise ForbiddenError(
            f"Four eyes: {named} minted, directly or through other keys, both this key and "
            f"one that created, submitted or changed trip {trip.reference} or proposed its "
            f"change: one hand holds both, so a key of another authority must {deed}.",
        )


def _shared_authority(rows: Sequence[tuple[str, str, int, str, str]]) -> tuple[str, str] | None:
    """The key, with its holder, nearest the approver up its chain of minters that is also
    up an author's chain: an admin key that made both sides (by ``POST /v1/keys``, or made
    by the operator's ``trips-api keys create`` and minting both) controls both. None when
    the two chains meet nowhere, as keys descending from separate admin keys do."""
    authors = {k for role, *_, k, _ in rows if role == "author"}
    up_the_approver = sorted((d, k, h) for role, _, d, k, h in rows if role == "approver")
    return next(((k, h) for _, k, h in up_the_approver if k in authors), None)


def require_notice(
    settings: Settings, trip: Trip, departure: date, day: date, justification: str | None
) -> int:
    """The days of notice an approval on ``day`` gives before ``departure``; short notice
    needs a justification, so that the city answers for it on the record."""
    notice = (departure - day).days
    if rules.short_notice(notice, settings.urgency_days) and justification is None:
        raise InvalidError(
            f"Trip {trip.reference} departs in {notice} days, less than the "
            f"{settings.urgency_days} days' notice the city requires.",
            errors=[
                error(
                    "body.urgency_justification",
                    "an approval at short notice needs a recorded justification",
                    "missing",
                )
            ],
        )
    return notice


def require_before_departure(trip: Trip, what: str, instead: str) -> None:
    if trip.departure_date is not None and trip.departure_date <= today():
        raise ConflictError(
            f"Trip {trip.reference} departed on {trip.departure_date}: it can no longer be "
            f"{what}; {instead}.",
        )


def require_nothing_pending(trip: Trip) -> None:
    if trip.pending is not None:
        raise ConflictError(
            f"Trip {trip.reference} has a change waiting for approval "
            "(POST .../change/approve or .../change/reject); one change at a time.",
        )


def propose(
    session: Session,
    settings: Settings,
    trip: Trip,
    key: ApiKey,
    kind: str,
    reason: str,
    fields: list[str],
    public_fields: list[str],
    **values: Any,
) -> None:
    """Keep a change waiting for another holder's approval (``trip.pending``), and say so.

    ``values`` are what it would set (``record`` or ``actual_costs``). The public learns which
    of its fields would change and why (``trip.change_pending``), never the values; a change
    that the public would not see (protected names alone) publishes nothing.
    """
    trip.pending = {
        "kind": kind,
        "fields": fields,
        "public_fields": public_fields,
        **values,
        "reason": reason,
        "key_id": key.id,
        "at": now().isoformat(),
    }
    step(session, settings, trip, key, "change_proposed", reason, public_step=bool(public_fields))
    if public_fields:
        emit(
            session,
            settings,
            trip,
            "trip.change_pending",
            public.TripChangePending(
                reference=trip.reference, kind=kind, fields=public_fields, reason=reason
            ),
        )


def no_change(location: str, message: str) -> InvalidError:
    """The answer to a change that alters nothing: refused, and nothing published."""
    return InvalidError(
        "Nothing changes: every field given already holds that value.",
        errors=[error(location, message, "no_change")],
    )


def pending_of(trip: Trip) -> dict[str, Any]:
    if trip.pending is None:
        raise ConflictError(f"Trip {trip.reference} has no change waiting for approval.")
    return trip.pending


def public_followups(session: Session, trip: Trip) -> list[public.Followup]:
    names = departments_service.names(session, [f["owner_department"] for f in trip.followups])
    return [
        public.Followup(
            **{**f, "owner_department": names.get(f["owner_department"], f["owner_department"])}
        )
        for f in trip.followups
    ]
