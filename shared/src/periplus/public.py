"""The public ``data`` of each event type: what trips-api writes and every reader reads.

Only public facts appear here. A traveller whose name the law protects is
published by position alone (``name`` is null). Amounts are decimal strings,
never floats, so that canonical bytes and sums are exact.
"""

from datetime import date
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

Decimal = Annotated[str, Field(pattern=r"^-?[0-9]{1,20}(\.[0-9]{1,10})?$")]
"""A decimal amount as a string, e.g. "1234.50": never a float, so that sums are exact, and
plain digits only (no exponent, NaN or infinity), few enough for the default decimal
context (28 digits), so that every reader can compute with it. trips-api writes at most 12
digits before the point for an amount, 20 for one converted at a rate of up to 8, and 10
after it for a rate."""

Category = Literal[
    "summit",
    "network_meeting",
    "twinning",
    "study_visit",
    "cooperation_project",
    "investment",
    "other",
]
AgendaKind = Literal["meeting", "site_visit", "session", "speech", "travel", "free_time"]
CostCategory = Literal["airfare", "lodging", "per_diem", "registration", "local_transport", "other"]
Payer = Literal["city", "host", "national_government", "external_grant", "other"]


class TripStatus(StrEnum):
    """Where a trip stands in its life cycle; published from ``approved`` on."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    COMPLETED = "completed"
    REPORTED = "reported"
    CLOSED = "closed"
    CANCELLED = "cancelled"


class FollowupStatus(StrEnum):
    """Where a follow-up commitment stands; ``done`` and ``dropped`` are final."""

    OPEN = "open"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    DROPPED = "dropped"


class _Public(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Money(_Public):
    amount: Decimal
    currency: str = Field(pattern=r"^[A-Z]{3}$", description="ISO 4217")


class Leg(_Public):
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2")
    city: str
    arrive: date
    depart: date


class Traveller(_Public):
    name: str | None = Field(description="Null where the law protects the name.")
    position: str
    elected: bool


class AgendaItem(_Public):
    date: date
    time: str | None = Field(default=None, description="HH:MM, local time")
    kind: AgendaKind
    title: str
    counterpart: str | None = None
    topic: str | None = None


class Outcome(_Public):
    id: str = Field(description="Stable within the trip, e.g. `o1`; results refer to it.")
    text: str


class CostItem(_Public):
    category: CostCategory
    payer: Payer
    payer_name: str | None = Field(default=None, description="Budget line, host, grant...")
    amount: Money
    reporting: Money = Field(description="The amount in the city's reporting currency.")
    exchange_rate: Decimal = Field(description="Reporting units per unit of `amount`.")
    rate_date: date


class InKind(_Public):
    giver: str
    description: str
    estimated_value: Money = Field(description="In the city's reporting currency.")


class TripSnapshot(_Public):
    """The whole public record of a trip as approved (or as amended)."""

    reference: str
    title: str
    purpose: str
    category: Category
    host_organisation: str | None = None
    networks: list[str] = []
    itinerary: list[Leg]
    departure_date: date
    return_date: date
    travellers: list[Traveller]
    delegation_size: int
    lead_department: str
    departments: list[str] = Field(description="Every department involved, the lead first.")
    sdg_goals: list[int]
    sdg_targets: list[str]
    agenda: list[AgendaItem]
    expected_outcomes: list[Outcome]
    budget: list[CostItem]
    budget_total: Money = Field(description="In the reporting currency.")
    city_share: Money = Field(description="The part the city pays, in the reporting currency.")
    in_kind: list[InKind] = []
    approved_on: date
    days_notice: int = Field(description="Days from approval to departure.")
    urgency_justification: str | None = None
    report_due: date


class Change(_Public):
    field: str
    before: object
    after: object


class Result(_Public):
    outcome_id: str
    achieved: Literal["yes", "partly", "no"]
    result: str


class Document(_Public):
    title: str
    url: str


class Followup(_Public):
    id: str
    commitment: str
    owner_department: str
    due_date: date
    status: FollowupStatus
    evidence: str | None = None


class Report(_Public):
    summary: str
    results: list[Result]
    documents: list[Document] = []
    filed_on: date
    days_after_return: int


class TripApproved(_Public):
    trip: TripSnapshot


class TripAmended(_Public):
    """A change after approval (``trip.amended``) or a fix of a wrong record
    (``trip.corrected``)."""

    trip: TripSnapshot
    changes: list[Change]
    reason: str


class TripCancelled(_Public):
    reference: str
    reason: str


class TripCompleted(_Public):
    reference: str
    actual_costs: list[CostItem]
    actual_total: Money
    city_share: Money


class TripReported(_Public):
    reference: str
    report: Report
    followups: list[Followup]


class FollowupUpdated(_Public):
    reference: str
    followup: Followup


class TripClosed(_Public):
    reference: str


class TripCorrected(TripAmended):
    """A fix of a wrong record (``trip.corrected``): the snapshot, what changed and why.

    A correction of what came after the trip (actual costs, the report, follow-ups, which the
    snapshot does not hold) also carries that part as it now stands; ``changes`` then name it
    (``actual_costs``, ``report.summary``, ``followups.f2``...).
    """

    completed: TripCompleted | None = Field(
        default=None, description="The actual costs as corrected."
    )
    report: Report | None = Field(default=None, description="The report as corrected.")
    followups: list[Followup] | None = Field(
        default=None,
        description="Every follow-up as it now stands, after one was corrected or added.",
    )


class TripChangePending(_Public):
    """A change of an approved trip waits for another holder (``trip.change_pending``): until
    then the trip stands as approved. Which public fields would change and why, never the
    values proposed."""

    reference: str
    kind: Literal["amended", "corrected"] = Field(
        description="The event the change is published as once approved."
    )
    fields: list[str] = Field(min_length=1, description="The public fields it would change.")
    reason: str


class TripChangeRejected(_Public):
    """The pending change was rejected (``trip.change_rejected``): the trip stays as approved."""

    reference: str
    kind: Literal["amended", "corrected"]
    fields: list[str] = Field(description="The fields the rejected change would have changed.")
    reason: str = Field(description="Why it was rejected.")


class SourceKeyRotated(_Public):
    """A source names the key that signs its events after this one (``source.key_rotated``)."""

    key: str = Field(description="The new verifier key, named after the source.")


class SourceSeqResolved(_Public):
    """The ledger moved past a ``seq`` of a source that it could not take
    (``source.seq_resolved``, stated by the ledger's own source under the log key)."""

    source: str = Field(description="The source whose event the log does not hold.")
    seq: int = Field(ge=1, description="The seq passed: the log takes that source's next one.")
    reason: str = Field(min_length=1, description="Why, in the operator's words.")


DATA_MODELS: dict[str, type[_Public]] = {
    "trip.approved": TripApproved,
    "trip.amended": TripAmended,
    "trip.corrected": TripCorrected,
    "trip.change_pending": TripChangePending,
    "trip.change_rejected": TripChangeRejected,
    "trip.cancelled": TripCancelled,
    "trip.completed": TripCompleted,
    "trip.reported": TripReported,
    "followup.updated": FollowupUpdated,
    "trip.closed": TripClosed,
    "source.key_rotated": SourceKeyRotated,
    "source.seq_resolved": SourceSeqResolved,
}
