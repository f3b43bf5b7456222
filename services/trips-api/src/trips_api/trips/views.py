"""What clients receive about a trip, and the public snapshot that events carry.

One function builds each: ``view`` for API responses (private fields only for
keys allowed to see them) and ``snapshot`` for ``trip.approved``,
``trip.amended`` and ``trip.corrected``, which is validated by the public
contract models as it is built, so a private field cannot slip in.
"""

import uuid
from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, Field

from periplus import public
from trips_api import money
from trips_api.trips.models import Trip

ACTIVE_FOR_REPORT = ("approved", "completed")


class TravellerView(BaseModel):
    name: str | None = Field(description="Null for the public where the law protects the name.")
    position: str
    elected: bool
    name_public: bool


class InKindView(BaseModel):
    giver: str
    description: str
    estimated_value: public.Money
    reporting: public.Money = Field(description="The value in the reporting currency.")
    exchange_rate: str
    rate_date: date


class PendingChangeView(BaseModel):
    """A change after approval that waits for another holder: until then the trip stands as
    approved, and the public sees which fields would change and why."""

    kind: str = Field(description="`amended` or `corrected`.")
    fields: list[str] = Field(description="The fields it would change.")
    reason: str
    proposed_at: datetime
    proposed_by: str | None = Field(description="The key that proposed it (private).")
    changes: list[public.Change] | None = Field(
        description="Each field before and after, for keys that approve or read private data; "
        "protected names stay blank without `trips:read-private`."
    )


class TripView(BaseModel):
    """A trip as the API shows it."""

    id: uuid.UUID
    reference: str = Field(description="Readable reference to quote, e.g. `MVD-2026-0042`.")
    status: str = Field(
        description="draft, submitted, approved, completed, reported, closed or cancelled."
    )
    version: int = Field(description="Grows with every change; the ETag.")
    title: str
    purpose: str | None
    category: str
    host_organisation: str | None
    networks: list[str]
    departure_date: date | None
    return_date: date | None
    itinerary: list[public.Leg]
    travellers: list[TravellerView]
    delegation_size: int
    lead_department: str
    departments: list[str]
    sdg_goals: list[int]
    sdg_targets: list[str]
    agenda: list[public.AgendaItem]
    expected_outcomes: list[public.Outcome]
    budget: list[public.CostItem]
    budget_total: public.Money
    city_share: public.Money = Field(description="What the city pays, in the reporting currency.")
    in_kind: list[InKindView]
    urgency_justification: str | None
    approved_on: date | None
    days_notice: int | None
    report_due: date | None
    report_overdue: bool
    actual_costs: list[public.CostItem] | None
    actual_total: public.Money | None
    actual_city_share: public.Money | None
    report: public.Report | None
    followups: list[public.Followup]
    cancel_reason: str | None
    pending_change: PendingChangeView | None = Field(
        default=None, description="A change waiting for approval; the trip above is as approved."
    )
    private_notes: str | None = Field(description="Shown only to keys that may read private data.")
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None
    created_by: str | None = Field(description="The key that created it (private).")
    updated_by: str | None = Field(description="The key that last changed it (private).")
    approved_by: str | None = Field(description="The key that approved it (private).")


class TripPage(BaseModel):
    trips: list[TripView]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )


class HistoryEntry(BaseModel):
    version: int
    kind: str = Field(
        description="created, edited, submitted, approved, amended, corrected, cancelled, "
        "completed, reported, followup_updated or closed."
    )
    at: datetime
    key_id: str | None = Field(description="The key that made the change (private).")
    reason: str | None
    changes: list[public.Change] = Field(description="Fields that differ from the entry before.")
    trip: TripView


class History(BaseModel):
    trip_id: uuid.UUID
    entries: list[HistoryEntry]


def _costs(currency: str, items: list[dict[str, Any]] | None) -> list[public.CostItem]:
    return [money.cost_item(currency, i) for i in items or []]


def is_overdue(trip: Trip, today: date) -> bool:
    return (
        trip.status in ACTIVE_FOR_REPORT and trip.report_due is not None and trip.report_due < today
    )


def _travellers(travellers: list[dict[str, Any]], private: bool) -> list[dict[str, Any]]:
    return [{**t, "name": t["name"] if private or t["name_public"] else None} for t in travellers]


def pending_view(trip: Trip, *, private: bool, reviewer: bool) -> PendingChangeView | None:
    """What the trip shows of its pending change; the values only to reviewers."""
    pending = trip.pending
    if pending is None:
        return None
    changes = None
    if reviewer or private:
        before, after = dict(trip.record), dict(pending["record"])
        before["travellers"] = _travellers(before["travellers"], private)
        after["travellers"] = _travellers(after["travellers"], private)
        changes = [
            public.Change(field=f, before=before.get(f), after=after.get(f))
            for f in pending["fields"]
        ]
    return PendingChangeView(
        kind=pending["kind"],
        fields=pending["fields"],
        reason=pending["reason"],
        proposed_at=pending["at"],
        proposed_by=pending["key_id"] if private else None,
        changes=changes,
    )


def view(
    trip: Trip, currency: str, today: date, *, private: bool, reviewer: bool = False
) -> TripView:
    """The trip as a reader sees it: private fields only if ``private``; the values of a
    pending change only to a ``reviewer`` (a key that may approve it) or a private reader."""
    r = trip.record
    budget = _costs(currency, r["budget"])
    actual = _costs(currency, trip.actual_costs) if trip.actual_costs is not None else None
    travellers = [
        TravellerView(
            name=t["name"] if private or t["name_public"] else None,
            position=t["position"],
            elected=t["elected"],
            name_public=t["name_public"],
        )
        for t in r["travellers"]
    ]
    in_kind = [
        InKindView(
            giver=i["giver"],
            description=i["description"],
            estimated_value=public.Money(**i["estimated_value"]),
            reporting=money.in_kind(currency, i).estimated_value,
            exchange_rate=i["exchange_rate"],
            rate_date=i["rate_date"],
        )
        for i in r["in_kind"]
    ]
    return TripView(
        id=uuid.UUID(trip.id),
        reference=trip.reference,
        status=trip.status,
        version=trip.version,
        title=r["title"],
        purpose=r["purpose"],
        category=r["category"],
        host_organisation=r["host_organisation"],
        networks=r["networks"],
        departure_date=r["departure_date"],
        return_date=r["return_date"],
        itinerary=[public.Leg(**leg) for leg in r["itinerary"]],
        travellers=travellers,
        delegation_size=r["delegation_size"] or len(travellers),
        lead_department=r["lead_department"],
        departments=r["departments"],
        sdg_goals=r["sdg_goals"],
        sdg_targets=r["sdg_targets"],
        agenda=[public.AgendaItem(**a) for a in r["agenda"]],
        expected_outcomes=[public.Outcome(**o) for o in r["expected_outcomes"]],
        budget=budget,
        budget_total=money.total(budget, currency),
        city_share=money.total(budget, currency, payer="city"),
        in_kind=in_kind,
        urgency_justification=trip.urgency_justification,
        approved_on=trip.approved_on,
        days_notice=trip.days_notice,
        report_due=trip.report_due,
        report_overdue=is_overdue(trip, today),
        actual_costs=actual,
        actual_total=money.total(actual, currency) if actual is not None else None,
        actual_city_share=money.total(actual, currency, payer="city")
        if actual is not None
        else None,
        report=public.Report(**trip.report) if trip.report else None,
        followups=[public.Followup(**f) for f in trip.followups],
        cancel_reason=trip.cancel_reason,
        pending_change=pending_view(trip, private=private, reviewer=reviewer),
        private_notes=r["private_notes"] if private else None,
        created_at=trip.created_at,
        updated_at=trip.updated_at,
        approved_at=trip.approved_at,
        created_by=trip.created_by if private else None,
        updated_by=trip.updated_by if private else None,
        approved_by=trip.approved_by if private else None,
    )


def snapshot(trip: Trip, currency: str, department_names: dict[str, str]) -> public.TripSnapshot:
    """The public record of an approved trip, as the contract defines it."""
    r = trip.record
    assert trip.approved_on is not None
    assert trip.report_due is not None
    assert trip.days_notice is not None
    budget = _costs(currency, r["budget"])
    lead = r["lead_department"]
    return public.TripSnapshot(
        reference=trip.reference,
        title=r["title"],
        purpose=r["purpose"] or "",
        category=r["category"],
        host_organisation=r["host_organisation"],
        networks=r["networks"],
        itinerary=[public.Leg(**leg) for leg in r["itinerary"]],
        departure_date=r["departure_date"],
        return_date=r["return_date"],
        travellers=[
            public.Traveller(
                name=t["name"] if t["name_public"] else None,
                position=t["position"],
                elected=t["elected"],
            )
            for t in r["travellers"]
        ],
        delegation_size=r["delegation_size"] or len(r["travellers"]),
        lead_department=department_names.get(lead, lead),
        departments=[department_names.get(d, d) for d in [lead, *r["departments"]]],
        sdg_goals=r["sdg_goals"],
        sdg_targets=r["sdg_targets"],
        agenda=[public.AgendaItem(**a) for a in r["agenda"]],
        expected_outcomes=[public.Outcome(**o) for o in r["expected_outcomes"]],
        budget=budget,
        budget_total=money.total(budget, currency),
        city_share=money.total(budget, currency, payer="city"),
        in_kind=[money.in_kind(currency, i) for i in r["in_kind"]],
        approved_on=trip.approved_on,
        days_notice=trip.days_notice,
        urgency_justification=trip.urgency_justification,
        report_due=trip.report_due,
    )


def public_copy(state: dict[str, Any], protected: frozenset[str] = frozenset()) -> dict[str, Any]:
    """A stored private view with every private field blanked, for public history.

    ``protected`` are names protected now: a name protected after it was published
    stops showing in every earlier version too.
    """
    copy = dict(state)
    copy["travellers"] = [
        {**t, "name": t["name"] if t["name_public"] and t["name"] not in protected else None}
        for t in state["travellers"]
    ]
    for field in ("private_notes", "created_by", "updated_by", "approved_by"):
        copy[field] = None
    pending = copy.get("pending_change")
    if pending is not None:
        copy["pending_change"] = {**pending, "proposed_by": None, "changes": None}
    return copy


def protected_names(trip: Trip) -> frozenset[str]:
    """The names the law protects on the trip as it stands (and as it would stand)."""
    records = [trip.record, *([trip.pending["record"]] if trip.pending else [])]
    return frozenset(t["name"] for r in records for t in r["travellers"] if not t["name_public"])
