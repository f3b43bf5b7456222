"""The public read model: every ledger entry the notifier verified, each trip's current
public state folded from them, and the facets that filters and feeds look trips up by.

The typed state (``TripState``) lives beside the table that stores it, so the fold that
writes it (``ingest``) and every page, feed and rule that reads it (``publish``,
``checklist``, ``opendata``) share one model, built from ``periplus.public``.
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any, get_args, get_origin

import orjson
from pydantic import BaseModel, TypeAdapter, ValidationError
from sqlalchemy import JSON, Column, Index
from sqlmodel import Field

from notifier.registry import NotifierModel
from periplus.db import BIG_INTEGER
from periplus.public import Change, CostItem, Followup, Money, Report, TripSnapshot


class LoggedEntry(NotifierModel, table=True):
    """One ledger entry as the public sees it; the ledger index makes it provable."""

    __tablename__ = "logged_entry"
    # The ledger's notices, newest first (``/notices``), without reading every entry.
    __table_args__ = (Index("ix_logged_entry_type_index", "type", "index"),)

    index: int = Field(sa_column=Column(BIG_INTEGER, primary_key=True, autoincrement=False))
    trip_id: str = Field(max_length=36, index=True)
    type: str = Field(max_length=40)
    occurred_at: str = Field(max_length=32)
    event: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    received_at: datetime


class TripView(NotifierModel, table=True):
    """A trip's current public state, folded from its entries."""

    __tablename__ = "trip_view"

    trip_id: str = Field(primary_key=True, max_length=36)
    reference: str = Field(max_length=40)
    title: str = Field(max_length=200)
    status: str = Field(max_length=20, index=True)
    departure_date: str = Field(max_length=10, index=True)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    last_index: int = Field(sa_column=Column(BIG_INTEGER, nullable=False, index=True))
    updated_at: str = Field(max_length=32)

    @property
    def state(self) -> "TripState":
        """The stored state, typed: what every page, feed and rule reads."""
        return TripState.stored(self.data)


class TripFacet(NotifierModel, table=True):
    """One way to find a trip (department, SDG goal, country, traveller), for filters and feeds."""

    __tablename__ = "trip_facet"
    __table_args__ = (Index("ix_trip_facet_kind_value", "kind", "value"),)

    trip_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(primary_key=True, max_length=20)
    value: str = Field(primary_key=True, max_length=120)


class Amendment(BaseModel):
    """A change published after approval (``trip.amended``) or a fix (``trip.corrected``)."""

    index: int
    type: str
    occurred_at: str
    changes: list[Change] = []
    reason: str = ""


class PendingChange(BaseModel):
    """A change that waits for a second holder: which fields and why, never the values."""

    kind: str = ""
    fields: list[str] = []
    reason: str = ""
    occurred_at: str
    index: int


class RejectedChange(BaseModel):
    """A pending change that was turned down; the trip stayed as it was."""

    index: int
    occurred_at: str
    fields: list[str] = []
    reason: str = ""


class Cancellation(BaseModel):
    """Why and when the trip was called off; a cancelled trip owes no report."""

    reason: str = ""
    occurred_at: str


class Completion(BaseModel):
    """The actual costs, as a completion (or a correction of it) states them."""

    actual_costs: list[CostItem]
    actual_total: Money
    city_share: Money


class Withholding(BaseModel):
    """An entry withheld under law: which, why, and the notice that said so."""

    index: int | None = None
    reason: str | None = None
    legal_basis: str | None = None
    notice_index: int


def trip_days(trip: TripSnapshot) -> int | None:
    """The days a trip lasts, both ends counted; None if it returns before it leaves."""
    if trip.return_date < trip.departure_date:
        return None
    return (trip.return_date - trip.departure_date).days + 1


def amount(money: Money | None) -> Decimal | None:
    """An amount as a number; None where there is none, or its text is no decimal (the
    contract keeps amounts as strings, so a source could state one that is not)."""
    if money is None:
        return None
    try:
        return Decimal(money.amount)
    except InvalidOperation:
        return None


class TripState(BaseModel):
    """A trip's current public state, folded from its entries (``ingest.fold``).

    Each part is a ``periplus.public`` model, so what the notifier judges and renders
    is what the contract says. An entry whose data does not validate is read part by
    part: a part that validates is folded, one that does not leaves what the trip had,
    and the entry's index goes to ``unvalidated`` (the page says so and still lists the
    entry). ``reference``, ``title`` and ``departure_date`` are read from any entry that
    states them, even one off the contract, so that every trip has a headline.

    Stored as JSON in ``TripView.data`` with the keys the read model always had; a part
    that is not there is left out rather than stored empty.
    """

    reference: str = ""
    title: str = ""
    departure_date: str = ""
    trip: TripSnapshot | None = None
    approved_at: str | None = None
    approved_index: int | None = None
    amendments: list[Amendment] = []
    pending_change: PendingChange | None = None
    rejected_changes: list[RejectedChange] = []
    cancelled: Cancellation | None = None
    completed: Completion | None = None
    report: Report | None = None
    reported_at: str | None = None
    followups: list[Followup] = []
    closed_at: str | None = None
    withheld: list[Withholding] = []
    unvalidated: list[int] = []

    @classmethod
    def stored(cls, data: Mapping[str, object]) -> "TripState":
        """The state a ``TripView.data`` holds. A state stored before it was typed may
        carry a part off the contract (the raw data of an odd entry): that part reads as
        absent, and an item of a list that does not validate is left out, so an older
        database keeps working without a migration and the next entry stores it typed."""
        try:
            return cls.model_validate(data)
        except ValidationError:
            return cls.model_validate(_salvaged(data))

    def stored_data(self) -> dict[str, object]:
        """The JSON that ``TripView.data`` keeps: a part absent, null or empty is left out,
        as the read model always stored it."""
        return self.model_dump(mode="json", exclude=self._absent())

    def stored_json(self) -> orjson.Fragment:
        """``stored_data`` written as JSON, for a writer that binds JSON with orjson
        (``ingest.rows``): pydantic writes it in one pass, in about two thirds of the time
        of the dict and orjson after it."""
        return orjson.Fragment(self.model_dump_json(exclude=self._absent()))

    def _absent(self) -> set[str]:
        return {name for name in _FIELDS if getattr(self, name) in _ABSENT}


class States:
    """Each trip's typed state, validated once per change.

    A trip's stored state changes only with a new entry of that trip, which moves its
    ``last_index`` (a withholding is such an entry), so a state read at the same index
    is the same state. Bulk readers (the home list, the open-data downloads) take it
    from here instead of validating every trip's JSON on every request. One per app:
    one app reads one database. The states are shared: readers never change them.
    """

    def __init__(self) -> None:
        self._kept: dict[str, tuple[int, TripState]] = {}

    def of(self, view: TripView) -> TripState:
        kept = self._kept.get(view.trip_id)
        if kept is not None and kept[0] == view.last_index:
            return kept[1]
        state = view.state
        self._kept[view.trip_id] = (view.last_index, state)
        return state


_FIELDS = frozenset(TripState.model_fields)
_ABSENT: tuple[object, ...] = (None, "", [])


def _salvaged(data: Mapping[str, object]) -> dict[str, object]:
    """The fields of a stored state that validate; of a list, the items that do."""
    kept: dict[str, object] = {}
    for name, value in data.items():
        if name not in _FIELDS:
            continue
        if _valid(_adapter(name), value):
            kept[name] = value
        elif isinstance(value, list) and (item := _item_adapter(name)) is not None:
            kept[name] = [v for v in value if _valid(item, v)]
    return kept


@cache
def _adapter(name: str) -> TypeAdapter[object]:
    return TypeAdapter(TripState.model_fields[name].annotation or object)


@cache
def _item_adapter(name: str) -> TypeAdapter[object] | None:
    annotation = TripState.model_fields[name].annotation
    return TypeAdapter(get_args(annotation)[0]) if get_origin(annotation) is list else None


def _valid(adapter: TypeAdapter[object], value: object) -> bool:
    try:
        adapter.validate_python(value)
    except ValidationError:
        return False
    return True
