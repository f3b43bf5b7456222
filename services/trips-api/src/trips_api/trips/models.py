from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column, Enum, Text
from sqlmodel import Field

from periplus.public import TripStatus
from trips_api.models import TripsModel

# Stored as its plain string in a VARCHAR(20), as before the enum: no database enum type
# or constraint, so a new status needs no migration; rows load as ``TripStatus``.
_STATUS = Enum(
    TripStatus,
    native_enum=False,
    create_constraint=False,
    length=20,
    values_callable=lambda statuses: [s.value for s in statuses],
)


class Trip(TripsModel, table=True):
    """The current state of a trip.

    ``record`` holds what the city describes (the request schema, normalised,
    with exchange rates resolved); the other columns are the life cycle and the
    indexes that listings filter on. ``version`` is the ETag. Readers without a key see
    ``public_version`` and ``public_updated_at`` instead, which only public steps move: a
    change of private fields alone leaves no trace that the public can see.
    """

    __tablename__ = "trip"

    id: str = Field(primary_key=True, max_length=36)
    number: int = Field(unique=True, description="Order of creation; the cursor of listings.")
    reference: str = Field(unique=True, max_length=40)
    status: TripStatus = Field(index=True, sa_type=_STATUS)
    version: int = 1
    public_version: int = Field(default=0, description="Public steps since approval.")
    record: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))

    title: str = Field(max_length=200)
    category: str = Field(index=True, max_length=30)
    lead_department: str = Field(max_length=40)
    departure_date: date | None = Field(default=None, index=True)
    return_date: date | None = Field(default=None, index=True)
    report_due: date | None = Field(default=None, index=True)
    countries: str = Field(default="", max_length=400, description="`,KR,JP,` for filters.")
    departments: str = Field(default="", max_length=1000, description="`,a,b,` for filters.")
    sdg_goals: str = Field(default="", max_length=100)
    sdg_targets: str = Field(default="", max_length=2000)
    search: str = Field(default="", sa_column=Column(Text, nullable=False))
    travellers_public: str = Field(default="", sa_column=Column(Text, nullable=False))
    travellers_all: str = Field(default="", sa_column=Column(Text, nullable=False))

    urgency_justification: str | None = Field(default=None, sa_column=Column(Text))
    approved_on: date | None = None
    days_notice: int | None = None
    actual_costs: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JSON))
    report: dict[str, Any] | None = Field(default=None, sa_column=Column(JSON))
    followups: list[dict[str, Any]] = Field(
        default_factory=list, sa_column=Column(JSON, nullable=False)
    )
    cancel_reason: str | None = Field(default=None, sa_column=Column(Text))
    pending: dict[str, Any] | None = Field(
        default=None,
        sa_column=Column(JSON),
        description="A change of purpose, dates, travellers or costs after approval, waiting "
        "for another holder's approval: the record it would make, why, and who proposed it.",
    )

    created_by: str = Field(max_length=16)
    updated_by: str = Field(max_length=16)
    submitted_by: str | None = Field(default=None, max_length=16)
    approved_by: str | None = Field(default=None, max_length=16)
    created_at: datetime
    updated_at: datetime
    public_updated_at: datetime | None = None
    submitted_at: datetime | None = None
    approved_at: datetime | None = None
    cancelled_at: datetime | None = None
    completed_at: datetime | None = None
    reported_at: datetime | None = None
    closed_at: datetime | None = None


class TripVersion(TripsModel, table=True):
    """One step of a trip's history: the whole trip as it stood after the step."""

    __tablename__ = "trip_version"

    trip_id: str = Field(primary_key=True, max_length=36)
    version: int = Field(primary_key=True)
    kind: str = Field(max_length=30)
    at: datetime
    key_id: str = Field(max_length=16)
    reason: str | None = Field(default=None, sa_column=Column(Text))
    public: bool = Field(description="Whether the trip was public (approved) at this step.")
    state: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
