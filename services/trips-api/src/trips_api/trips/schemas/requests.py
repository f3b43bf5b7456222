"""What clients send about a trip; unknown fields are refused, sizes are bounded."""

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any, Self

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ModelWrapValidatorHandler,
    StrictBool,
    StrictInt,
    StringConstraints,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from periplus import sdg
from periplus.public import AgendaKind, Category, CostCategory, Payer
from trips_api.fields import Amount, Code, Country, Currency, Day, LongText, Name, Rate
from trips_api.trips import examples

OutcomeId = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,19}$")]
Time = Annotated[str, StringConstraints(pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]
Goal = Annotated[StrictInt, Field(ge=1, le=17)]
"""An SDG's number, as a number: no type is guessed from a string."""


class Incoming(BaseModel):
    """A client's body: unknown fields are refused."""

    model_config = ConfigDict(extra="forbid")


class LegIn(Incoming):
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


class TravellerIn(Incoming):
    name: Name
    position: Name
    elected: StrictBool = Field(description="An elected official, rather than staff.")
    name_public: StrictBool = Field(
        default=True,
        description="False where the law protects the name: the public then sees the position.",
    )


class AgendaItemIn(Incoming):
    date: Day
    time: Time | None = Field(default=None, description="HH:MM, local time.")
    kind: AgendaKind
    title: Name
    counterpart: Name | None = None
    topic: Name | None = None


class OutcomeIn(Incoming):
    id: OutcomeId | None = Field(
        default=None, description="Stable id that the report's results refer to; `o1`... if unset."
    )
    text: LongText = Field(description="Specific enough to check after the trip.")


class MoneyIn(Incoming):
    amount: Amount
    currency: Currency


class CostItemIn(Incoming):
    category: CostCategory
    payer: Payer = Field(description="Who pays this part.")
    payer_name: Name | None = Field(default=None, description="Budget line, host, grant...")
    amount: MoneyIn
    exchange_rate: Rate | None = Field(
        default=None,
        description="Reporting-currency units per unit; the city's configured rate if unset.",
    )
    rate_date: Day | None = Field(default=None, description="Date of the rate; today if unset.")


class InKindIn(Incoming):
    """Hospitality or a gift in kind: flights, lodging or meals paid by someone else."""

    giver: Name
    description: LongText
    estimated_value: MoneyIn
    exchange_rate: Rate | None = None
    rate_date: Day | None = None


class TripFields(Incoming):
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
    delegation_size: StrictInt | None = Field(
        default=None, ge=1, le=1000, description="Everyone travelling; at least the travellers."
    )
    lead_department: Code = Field(description="Code of the department that leads the trip.")
    departments: list[Code] = Field(
        default_factory=list, max_length=20, description="Codes of the other departments involved."
    )
    sdg_goals: list[Goal] = Field(default_factory=list, max_length=17)
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

    @model_validator(mode="wrap")
    @classmethod
    def _every_fault(cls, data: Any, handler: ModelWrapValidatorHandler[Self]) -> Self:
        """Faults of single fields and of rules between fields, all in one answer, each where
        it is: the rules are checked on what was sent even when a field is already wrong."""
        try:
            trip = handler(data)
        except ValidationError as exc:
            seen = {tuple(e["loc"]) for e in exc.errors()}
            raw = data if isinstance(data, Mapping) else {}
            extra = [f for f in trip_faults(raw) if f["loc"] not in seen]
            if not extra:
                raise
            raise _invalid(cls.__name__, [*exc.errors(), *extra]) from None
        faults = trip_faults(data if isinstance(data, Mapping) else trip.model_dump())
        if faults:
            raise _invalid(cls.__name__, faults)
        return trip._normalised()

    def _normalised(self) -> Self:
        self.sdg_targets = sorted(set(self.sdg_targets), key=sdg.TARGETS.index)
        goals = set(self.sdg_goals) | {sdg.goal_of(t) for t in self.sdg_targets}
        self.sdg_goals = sorted(goals)
        taken, n = {o.id for o in self.expected_outcomes if o.id is not None}, 0
        for outcome in self.expected_outcomes:
            while outcome.id is None:
                n += 1
                if f"o{n}" not in taken:
                    outcome.id = f"o{n}"
        return self


def _day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _items(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _fault(loc: tuple[str | int, ...], message: str, type_: str) -> dict[str, Any]:
    return {"loc": loc, "msg": message, "type": type_, "input": None}


def trip_faults(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The rules between a trip's fields, on what was sent (values that are themselves wrong
    are passed over: their own faults say so): dates in order, SDG targets that exist, a
    delegation as large as its travellers, outcome ids once."""
    faults = []
    start, end = _day(data.get("departure_date")), _day(data.get("return_date"))
    if start and end and end < start:
        faults.append(_fault(("return_date",), "return_date is before departure_date", "dates"))
    outside = "has a date outside departure_date..return_date"
    dated = [
        (("itinerary", n, key), leg.get(key) if isinstance(leg, Mapping) else None)
        for n, leg in enumerate(_items(data.get("itinerary")))
        for key in ("arrive", "depart")
    ]
    dated += [
        (("agenda", n, "date"), item.get("date") if isinstance(item, Mapping) else None)
        for n, item in enumerate(_items(data.get("agenda")))
    ]
    for loc, value in dated:
        day = _day(value)
        if day and ((start and day < start) or (end and day > end)):
            faults.append(_fault(loc, f"{loc[0]} {outside}", "dates"))
    for n, target in enumerate(_items(data.get("sdg_targets"))):
        if isinstance(target, str) and len(target) <= 5 and not sdg.is_target(target):
            faults.append(_fault(("sdg_targets", n), f"not an SDG target: {target!r}", "sdg"))
    size, travellers = data.get("delegation_size"), _items(data.get("travellers"))
    if isinstance(size, int) and size < len(travellers):
        message = "delegation_size is smaller than the number of travellers"
        faults.append(_fault(("delegation_size",), message, "value_error"))
    ids = [
        o.get("id") if isinstance(o, Mapping) else None
        for o in _items(data.get("expected_outcomes"))
    ]
    faults += [
        _fault(("expected_outcomes", n, "id"), "expected outcome ids repeat", "value_error")
        for n, id_ in enumerate(ids)
        if id_ is not None and ids.index(id_) != n
    ]
    return faults


def _invalid(title: str, errors: list[Any]) -> ValidationError:
    return ValidationError.from_exception_data(
        title,
        [
            InitErrorDetails(
                type=PydanticCustomError(e["type"], e["msg"]), loc=tuple(e["loc"]), input=e["input"]
            )
            for e in errors
        ],
    )


class TripPatch(Incoming):
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
    delegation_size: StrictInt | None = Field(default=None, ge=1, le=1000)
    lead_department: Code | None = None
    departments: list[Code] | None = Field(default=None, max_length=20)
    sdg_goals: list[Goal] | None = Field(default=None, max_length=17)
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


class ApproveBody(Incoming):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.APPROVE]})

    urgency_justification: LongText | None = Field(
        default=None,
        description="Required when the trip, or a change of its departure date, is approved "
        "fewer days before departure than the city's notice period (`TRIPS_URGENCY_DAYS`); "
        "refused by a change that moves no departure.",
    )


class ChangeBody(Incoming):
    """A change after approval: what changes, and why. The record keeps both versions."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.AMEND]})

    changes: TripPatch
    reason: LongText


class CorrectBody(ChangeBody):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.CORRECT]})


class CancelBody(Incoming):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.CANCEL]})

    reason: LongText


class RejectBody(Incoming):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.REJECT]})

    reason: LongText


class CompleteBody(Incoming):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [examples.COMPLETE]})

    actual_costs: list[CostItemIn] = Field(max_length=100)


class CostsCorrection(Incoming):
    """The actual costs as they should stand, and why they were wrong."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [examples.COSTS_CORRECTION]}
    )

    actual_costs: list[CostItemIn] = Field(max_length=100)
    reason: LongText
