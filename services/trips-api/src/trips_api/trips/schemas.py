"""What clients send about a trip; unknown fields are refused, sizes are bounded."""

from typing import Annotated, Any, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from periplus import sdg
from periplus.public import AgendaKind, Category, CostCategory, FollowupStatus, Payer
from trips_api.fields import Amount, Code, Country, Currency, Day, LongText, Name, Rate, Url
from trips_api.trips import examples

OutcomeId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,19}$")]
Time = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class LegIn(_In):
    """One stay of the itinerary."""

    country: Country
    city: Name
    arrive: Day
    depart: Day

    @model_validator(mode="after")
    def _order(self) -> Self:
        if self.depart < self.arrive:
            raise ValueError("depart is before arrive")
        return self


class TravellerIn(_In):
    name: Name
    position: Name
    elected: bool = Field(description="An elected official, rather than staff.")
    name_public: bool = Field(
        default=True,
        description="False where the law protects the name: the public then sees the position.",
    )


class AgendaItemIn(_In):
    date: Day
    time: Time | None = Field(default=None, description="HH:MM, local time.")
    kind: AgendaKind
    title: Name
    counterpart: Name | None = None
    topic: Name | None = None


class OutcomeIn(_In):
    id: OutcomeId | None = Field(
        default=None, description="Stable id that the report's results refer to; `o1`... if unset."
    )
    text: LongText = Field(description="Specific enough to check after the trip.")


class MoneyIn(_In):
    amount: Amount
    currency: Currency


class CostItemIn(_In):
    category: CostCategory
    payer: Payer = Field(description="Who pays this part.")
    payer_name: Name | None = Field(default=None, description="Budget line, host, grant...")
    amount: MoneyIn
    exchange_rate: Rate | None = Field(
        default=None,
        description="Reporting-currency units per unit; the city's configured rate if unset.",
    )
    rate_date: Day | None = Field(default=None, description="Date of the rate; today if unset.")


class InKindIn(_In):
    """Hospitality or a gift in kind: flights, lodging or meals paid by someone else."""

    giver: Name
    description: LongText
    estimated_value: MoneyIn
    exchange_rate: Rate | None = None
    rate_date: Day | None = None


class TripFields(_In):
    """Everything a city describes about a trip. A draft may leave out what approval needs."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.trip()]})

    title: Name
    purpose: LongText | None = Field(default=None, description="Why the trip, in plain words.")
    category: Category
    host_organisation: Name | None = Field(default=None, description="Inviting or host body.")
    networks: list[Name] = Field(default_factory=list, max_length=20)
    departure_date: Day | None = None
    return_date: Day | None = None
    itinerary: list[LegIn] = Field(default_factory=list, max_length=30)
    travellers: list[TravellerIn] = Field(default_factory=list, max_length=100)
    delegation_size: int | None = Field(
        default=None, ge=1, le=1000, description="Everyone travelling; at least the travellers."
    )
    lead_department: Code = Field(description="Code of the department that leads the trip.")
    departments: list[Code] = Field(
        default_factory=list, max_length=20, description="Codes of the other departments involved."
    )
    sdg_goals: list[Annotated[int, Field(ge=1, le=17)]] = Field(default_factory=list, max_length=17)
    sdg_targets: list[Annotated[str, StringConstraints(max_length=5)]] = Field(
        default_factory=list, max_length=169, description="Target ids such as `11.2` or `17.17`."
    )
    agenda: list[AgendaItemIn] = Field(default_factory=list, max_length=300)
    expected_outcomes: list[OutcomeIn] = Field(default_factory=list, max_length=50)
    budget: list[CostItemIn] = Field(default_factory=list, max_length=100)
    in_kind: list[InKindIn] = Field(default_factory=list, max_length=50)
    private_notes: LongText | None = Field(
        default=None, description="Never published: kept for the city's own staff."
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        self._check_dates()
        wrong = [t for t in self.sdg_targets if not sdg.is_target(t)]
        if wrong:
            raise ValueError(f"not SDG targets: {wrong}")
        self.sdg_targets = sorted(set(self.sdg_targets), key=sdg.TARGETS.index)
        goals = set(self.sdg_goals) | {sdg.goal_of(t) for t in self.sdg_targets}
        self.sdg_goals = sorted(goals)
        if self.lead_department in self.departments:
            self.departments = [d for d in self.departments if d != self.lead_department]
        self.departments = list(dict.fromkeys(self.departments))
        if self.delegation_size is not None and self.delegation_size < len(self.travellers):
            raise ValueError("delegation_size is smaller than the number of travellers")
        ids = [o.id for o in self.expected_outcomes if o.id is not None]
        if len(ids) != len(set(ids)):
            raise ValueError("expected outcome ids repeat")
        taken, n = set(ids), 0
        for outcome in self.expected_outcomes:
            while outcome.id is None:
                n += 1
                if f"o{n}" not in taken:
                    outcome.id = f"o{n}"
        return self

    def _check_dates(self) -> None:
        start, end = self.departure_date, self.return_date
        if start and end and end < start:
            raise ValueError("return_date is before departure_date")
        dated = [("itinerary", leg.arrive) for leg in self.itinerary]
        dated += [("itinerary", leg.depart) for leg in self.itinerary]
        dated += [("agenda", item.date) for item in self.agenda]
        for where, day in dated:
            if (start and day < start) or (end and day > end):
                raise ValueError(f"{where} has a date outside departure_date..return_date")


class TripPatch(_In):
    """Fields to replace in a draft or submitted trip; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.PATCH]})

    title: Name | None = None
    purpose: LongText | None = None
    category: Category | None = None
    host_organisation: Name | None = None
    networks: list[Name] | None = Field(default=None, max_length=20)
    departure_date: Day | None = None
    return_date: Day | None = None
    itinerary: list[LegIn] | None = Field(default=None, max_length=30)
    travellers: list[TravellerIn] | None = Field(default=None, max_length=100)
    delegation_size: int | None = Field(default=None, ge=1, le=1000)
    lead_department: Code | None = None
    departments: list[Code] | None = Field(default=None, max_length=20)
    sdg_goals: list[Annotated[int, Field(ge=1, le=17)]] | None = Field(default=None, max_length=17)
    sdg_targets: list[Annotated[str, StringConstraints(max_length=5)]] | None = Field(
        default=None, max_length=169
    )
    agenda: list[AgendaItemIn] | None = Field(default=None, max_length=300)
    expected_outcomes: list[OutcomeIn] | None = Field(default=None, max_length=50)
    budget: list[CostItemIn] | None = Field(default=None, max_length=100)
    in_kind: list[InKindIn] | None = Field(default=None, max_length=50)
    private_notes: LongText | None = None

    def given(self) -> dict[str, Any]:
        return self.model_dump(mode="json", exclude_unset=True)


class ApproveBody(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.APPROVE]})

    urgency_justification: LongText | None = Field(
        default=None,
        description="Required when the trip is approved fewer days before departure than the "
        "city's notice period (`TRIPS_URGENCY_DAYS`).",
    )


class ChangeBody(_In):
    """A change after approval: what changes, and why. The record keeps both versions."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.AMEND]})

    changes: TripPatch
    reason: LongText


class CorrectBody(ChangeBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.CORRECT]})


class CancelBody(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.CANCEL]})

    reason: LongText


class RejectBody(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.REJECT]})

    reason: LongText


class CompleteBody(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.COMPLETE]})

    actual_costs: list[CostItemIn] = Field(max_length=100)


class ResultIn(_In):
    outcome_id: OutcomeId
    achieved: Literal["yes", "partly", "no"]
    result: LongText


class DocumentIn(_In):
    title: Name
    url: Url


class FollowupIn(_In):
    commitment: LongText
    owner_department: Code
    due_date: Day
    status: FollowupStatus = "open"
    evidence: LongText | None = None


class ReportBody(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.REPORT]})

    summary: LongText = Field(description="What was done.")
    results: list[ResultIn] = Field(
        max_length=50, description="One result for each expected outcome."
    )
    documents: list[DocumentIn] = Field(default_factory=list, max_length=50)
    followups: list[FollowupIn] = Field(default_factory=list, max_length=100)


class FollowupUpdate(_In):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.FOLLOWUP]})

    status: FollowupStatus | None = None
    evidence: LongText | None = None
    due_date: Day | None = None
    note: LongText | None = Field(default=None, description="Why, for the history.")
