"""Fold one entry's ``data`` into a trip's public state (``TripState``), following
``periplus.public``.

An entry whose data does not validate as a whole is read part by part (the trip, the
report, each follow-up, each change, the actual costs): a part that validates is folded,
one that does not leaves what the trip had, and the entry's index goes to
``unvalidated``. So one odd entry never stops ingestion, it is still listed with the
trip's entries, and the page shows what could be read, saying that some could not.
"""

from collections.abc import Mapping
from typing import TypeVar

from pydantic import BaseModel, ValidationError

from notifier.publish.models import (
    Amendment,
    Cancellation,
    Completion,
    PendingChange,
    RejectedChange,
    TripState,
    Withholding,
)
from periplus.public import DATA_MODELS, Change, Followup, Report, TripSnapshot

M = TypeVar("M", bound=BaseModel)

MAX_FACET = 120
NOTICE = "entry.withheld"  # the ledger's notice that an entry is withheld: no public model

# The public status a trip has after an entry of each type (other types leave it).
STATUS_AFTER = {
    "trip.approved": "approved",
    "trip.cancelled": "cancelled",
    "trip.completed": "completed",
    "trip.reported": "reported",
    "trip.closed": "closed",
}


def _read(model: type[M], value: object) -> M | None:
    """``value`` as ``model`` (from a mapping or another model's attributes), or None."""
    if isinstance(value, model):
        return value
    try:
        return model.model_validate(value, from_attributes=True)
    except ValidationError:
        return None


class Reading:
    """An entry's data as its public model reads it: whole when it validates, otherwise
    part by part, each part against its own model."""

    def __init__(self, type_: str, data: object) -> None:
        self.raw: Mapping[str, object] = data if isinstance(data, Mapping) else {}
        model = DATA_MODELS.get(type_)
        self.whole = _read(model, self.raw) if model is not None else None
        self.valid = self.whole is not None or type_ == NOTICE

    def _value(self, key: str) -> object:
        if self.whole is None:
            return self.raw.get(key)
        # Where pydantic keeps the fields: a key the model has none for is absent without
        # the AttributeError that getattr would make (slowly) at every amendment's parts.
        return self.whole.__dict__.get(key)

    def part(self, key: str, model: type[M]) -> M | None:
        """The part ``key`` if it reads as ``model``."""
        value = self._value(key)
        return None if value is None else _read(model, value)

    def parts(self, key: str, model: type[M]) -> list[M] | None:
        """The items of the list ``key`` that read as ``model``; None if there is no list."""
        value = self._value(key)
        if not isinstance(value, list):
            return None
        return [m for v in value if (m := _read(model, v)) is not None]

    def itself(self, model: type[M]) -> M | None:
        """The whole data read as ``model`` (a part of the state that the entry is)."""
        return _read(model, self.whole if self.whole is not None else self.raw)

    def text(self, key: str) -> str:
        value = self.raw.get(key)
        return str(value) if value else ""

    def names(self, key: str) -> list[str]:
        value = self.raw.get(key)
        return [f for f in value if isinstance(f, str)] if isinstance(value, list) else []


def apply(state: TripState, index: int, type_: str, occurred_at: str, data: object) -> TripState:
    """Return the new state (a fresh copy; ``state`` is left as it was) after one entry."""
    new = state.model_copy()
    reading = Reading(type_, data)
    if not reading.valid:
        new.unvalidated = [*state.unvalidated, index]
    _headline(new, type_, reading.raw)
    if type_ == "trip.approved":
        new.trip = reading.part("trip", TripSnapshot) or state.trip
        new.approved_at, new.approved_index = occurred_at, index
    elif type_ in ("trip.amended", "trip.corrected"):
        new.trip = reading.part("trip", TripSnapshot) or state.trip
        new.pending_change = None
        _corrected_parts(new, reading)
        amendment = Amendment(
            index=index,
            type=type_,
            occurred_at=occurred_at,
            changes=reading.parts("changes", Change) or [],
            reason=reading.text("reason"),
        )
        new.amendments = [*state.amendments, amendment]
    elif type_ == "trip.change_pending":
        new.pending_change = PendingChange(
            kind=reading.text("kind"),
            fields=reading.names("fields"),
            reason=reading.text("reason"),
            occurred_at=occurred_at,
            index=index,
        )
    elif type_ == "trip.change_rejected":
        new.pending_change = None
        rejected = RejectedChange(
            index=index,
            occurred_at=occurred_at,
            fields=reading.names("fields"),
            reason=reading.text("reason"),
        )
        new.rejected_changes = [*state.rejected_changes, rejected]
    elif type_ == "trip.cancelled":
        new.pending_change = None  # a cancelled trip has no change waiting
        new.cancelled = Cancellation(reason=reading.text("reason"), occurred_at=occurred_at)
    elif type_ == "trip.completed":
        new.completed = reading.itself(Completion) or state.completed
    elif type_ == "trip.reported":
        new.report = reading.part("report", Report) or state.report
        new.reported_at = occurred_at
        new.followups = reading.parts("followups", Followup) or []
    elif type_ == "followup.updated":
        followup = reading.part("followup", Followup)
        if followup is not None:
            new.followups = _updated(state.followups, followup)
    elif type_ == "trip.closed":
        new.closed_at = occurred_at
    elif type_ == NOTICE:
        new.withheld = [*state.withheld, _withholding(reading.raw, index)]
    return new


def _headline(state: TripState, type_: str, raw: Mapping[str, object]) -> None:
    """Reference, title and departure date as the entry states them, read without the
    model so that a trip whose record does not validate still has a headline."""
    trip = raw.get("trip")
    about = trip if isinstance(trip, Mapping) else raw if type_ == "trip.approved" else {}
    for source in (raw, about):
        if isinstance(value := source.get("reference"), str) and value:
            state.reference = value
    if isinstance(value := about.get("title"), str) and value:
        state.title = value
    if isinstance(value := about.get("departure_date"), str) and value:
        state.departure_date = value


def _corrected_parts(state: TripState, reading: Reading) -> None:
    """What a correction of the trip's aftermath carries: the actual costs, the report or
    every follow-up as they now stand. The status stays what it was."""
    state.completed = reading.part("completed", Completion) or state.completed
    state.report = reading.part("report", Report) or state.report
    followups = reading.parts("followups", Followup)
    if followups is not None:
        state.followups = followups


def _updated(followups: list[Followup], followup: Followup) -> list[Followup]:
    """The follow-ups with ``followup`` in place of the one of its id, or added."""
    ids = [f.id for f in followups]
    if followup.id not in ids:
        return [*followups, followup]
    at = ids.index(followup.id)
    return [*followups[:at], followup, *followups[at + 1 :]]


def _withholding(raw: Mapping[str, object], notice_index: int) -> Withholding:
    """The ledger's notice as far as it reads: which entry, why, under which law."""
    held, reason, basis = raw.get("index"), raw.get("reason"), raw.get("legal_basis")
    return Withholding(
        index=held if isinstance(held, int) and not isinstance(held, bool) else None,
        reason=reason if isinstance(reason, str) else None,
        legal_basis=basis if isinstance(basis, str) else None,
        notice_index=notice_index,
    )


def _text(value: object) -> str:
    return str(value).strip()[:MAX_FACET]


def facets(state: TripState) -> set[tuple[str, str]]:
    """The ways to find a trip: department, SDG goal, country, traveller, year. A trip
    whose record never validated is found by its year alone."""
    trip = state.trip
    found: set[tuple[str, str]] = set()
    if trip is None:
        year = state.departure_date[:4]
        if len(year) == 4 and year.isdigit():
            found.add(("year", year))
        return found
    for department in [*trip.departments, trip.lead_department]:
        found.add(("department", _text(department)))
    for goal in trip.sdg_goals:
        found.add(("sdg", _text(goal)))
    for leg in trip.itinerary:
        found.add(("country", _text(leg.country).upper()))
    for person in trip.travellers:
        found.add(("traveller", _text(person.name or person.position)))
    found.add(("year", f"{trip.departure_date.year:04d}"))
    return {f for f in found if f[1]}
