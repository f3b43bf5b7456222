"""What clients receive about a trip: the API view, pages of trips, and its history."""

import uuid
from datetime import date, datetime

from pydantic import BaseModel, Field

from periplus import public


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
    fields: list[str] = Field(
        description="The fields it would change; to the public, those whose public record would."
    )
    public_fields: list[str] | None = Field(
        default=None,
        description="Which of them the public sees change (private): a change of protected "
        "names alone is not shown to the public, nor published.",
    )
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
    status: public.TripStatus
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
        description="created, edited, submitted, approved, change_proposed, change_rejected, "
        "amended, corrected, cancelled, completed, reported, followup_updated, followups_added "
        "or closed."
    )
    at: datetime
    key_id: str | None = Field(description="The key that made the change (private).")
    reason: str | None
    changes: list[public.Change] = Field(description="Fields that differ from the entry before.")
    trip: TripView


class History(BaseModel):
    trip_id: uuid.UUID
    entries: list[HistoryEntry]
