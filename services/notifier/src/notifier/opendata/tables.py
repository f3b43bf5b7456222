"""The open-data tables: one row per trip, cost line, expected outcome, follow-up, signal.

Each table is described once (its fields, their types and meaning, its key),
and that description makes the Data Package's table schema, the CSV header
and the JSON Lines keys, so the three cannot drift apart. Rows are read from
the public read model only: what the pages show, as verified from the ledger.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from statistics import median
from typing import Any

from notifier.checklist.rules import Rules
from notifier.checklist.signals import CO2E, city_median, evaluate
from notifier.emissions import footprint
from notifier.emissions.gazetteer import Place


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # a Frictionless Table Schema type: string, integer, number, date, boolean
    description: str
    required: bool = False
    enum: tuple[str, ...] = ()

    def schema(self) -> dict[str, Any]:
        field: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "description": self.description,
        }
        constraints: dict[str, Any] = {}
        if self.required:
            constraints["required"] = True
        if self.enum:
            constraints["enum"] = list(self.enum)
        if constraints:
            field["constraints"] = constraints
        return field


Row = dict[str, Any]
State = dict[str, Any]
Rows = Callable[["Context"], Iterator[Row]]


@dataclass(frozen=True)
class Context:
    """What every table is read from: each trip's public state, and the day of judgement."""

    states: list[tuple[str, State]]  # (trip id, folded state), in departure order
    today: date
    rules: Rules
    public_url: str
    home: Place | None = None
    """Where the city's officials leave from; without it, no emissions are estimated."""

    def flown(self, state: State) -> footprint.Footprint | None:
        """The trip's estimated flights, as its page shows them."""
        return footprint.of_trip(_trip(state), self.home) if self.home is not None else None


@dataclass(frozen=True)
class Table:
    name: str
    title: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]
    rows: Rows

    def schema(self) -> dict[str, Any]:
        schema: dict[str, Any] = {
            "fields": [column.schema() for column in self.columns],
            "primaryKey": list(self.key),
        }
        if self.name != "trips":
            schema["foreignKeys"] = [
                {"fields": ["trip_id"], "reference": {"resource": "trips", "fields": ["trip_id"]}}
            ]
        return schema


TRIP_ID = Column("trip_id", "string", "The trip's id in the ledger's entries.", required=True)
REFERENCE = Column("reference", "string", "The city's reference, e.g. CITY-2026-0042.")


def _part(state: State, key: str) -> dict[str, Any]:
    """A member of the state that should be an object, or an empty one: odd data reads as none."""
    value = state.get(key)
    return value if isinstance(value, dict) else {}


def _trip(state: State) -> dict[str, Any]:
    return _part(state, "trip")


def _amount(money: Any) -> str | None:
    """A decimal amount as written in the entry (never through a float)."""
    if isinstance(money, dict) and money.get("amount") is not None:
        return str(Decimal(str(money["amount"])))
    return None


def _currency(money: Any) -> str | None:
    return str(money.get("currency")) if isinstance(money, dict) else None


def _days(first: Any, last: Any) -> int | None:
    try:
        return (date.fromisoformat(str(last)) - date.fromisoformat(str(first))).days + 1
    except ValueError:
        return None


def _joined(values: Any) -> str:
    return ";".join(str(v) for v in values) if isinstance(values, list) else ""


def _status(state: State) -> str:
    for key, status in (
        ("closed_at", "closed"),
        ("report", "reported"),
        ("completed", "completed"),
        ("cancelled", "cancelled"),
    ):
        if state.get(key):
            return status
    return "approved"


def _trips(context: Context) -> Iterator[Row]:
    for trip_id, state in context.states:
        trip = _trip(state)
        report = _part(state, "report")
        completed = _part(state, "completed")
        total, city = trip.get("budget_total"), trip.get("city_share")
        others = None
        if _amount(total) is not None and _amount(city) is not None:
            others = str(Decimal(str(_amount(total))) - Decimal(str(_amount(city))))
        in_kind = [
            Decimal(str(_amount(item.get("estimated_value"))))
            for item in trip.get("in_kind") or []
            if isinstance(item, dict) and _amount(item.get("estimated_value")) is not None
        ]
        legs = [leg for leg in trip.get("itinerary") or [] if isinstance(leg, dict)]
        travellers = [t for t in trip.get("travellers") or [] if isinstance(t, dict)]
        flown = context.flown(state)
        yield {
            "trip_id": trip_id,
            "reference": state.get("reference") or trip.get("reference"),
            "title": trip.get("title"),
            "status": _status(state),
            "category": trip.get("category"),
            "purpose": trip.get("purpose"),
            "host_organisation": trip.get("host_organisation"),
            "countries": _joined([leg.get("country") for leg in legs]),
            "cities": _joined([leg.get("city") for leg in legs]),
            "departure_date": trip.get("departure_date"),
            "return_date": trip.get("return_date"),
            "days_abroad": _days(trip.get("departure_date"), trip.get("return_date")),
            "lead_department": trip.get("lead_department"),
            "departments": _joined(trip.get("departments")),
            "sdg_goals": _joined(trip.get("sdg_goals")),
            "sdg_targets": _joined(trip.get("sdg_targets")),
            "delegation_size": trip.get("delegation_size"),
            "elected_travellers": sum(1 for t in travellers if t.get("elected")),
            "currency": _currency(total),
            "budget_total": _amount(total),
            "city_share": _amount(city),
            "paid_by_others": others,
            "in_kind_value": str(sum(in_kind)) if in_kind else None,
            "actual_total": _amount(completed.get("actual_total")),
            "approved_on": trip.get("approved_on"),
            "days_notice": trip.get("days_notice"),
            "report_due": trip.get("report_due"),
            "report_filed_on": report.get("filed_on"),
            **_emissions(flown),
            "page": f"{context.public_url}/trips/{trip_id}",
        }


def _emissions(flown: footprint.Footprint | None) -> Row:
    """The estimate in whole kilometres and kilograms, as the pages round it."""
    if flown is None:
        return {}
    return {
        "flight_km": round(sum(f.km for f in flown.flights)),
        "co2e_kg_per_traveller": round(flown.per_traveller_kg),
        "co2e_kg": round(flown.total_kg),
        "co2e_kg_per_traveller_day": round(flown.per_traveller_day_kg),
        "co2e_at_capital": _joined([p.city for p in flown.approximate]),
        "co2e_unlocated": _joined(list(flown.unlocated)),
    }


def _costs(context: Context) -> Iterator[Row]:
    for trip_id, state in context.states:
        trip = _trip(state)
        completed = _part(state, "completed")
        for stage, items in (
            ("planned", trip.get("budget")),
            ("actual", completed.get("actual_costs")),
        ):
            for line, item in enumerate(items or [], start=1):
                if not isinstance(item, dict):
                    continue
                yield {
                    "trip_id": trip_id,
                    "stage": stage,
                    "line": line,
                    "category": item.get("category"),
                    "payer": item.get("payer"),
                    "payer_name": item.get("payer_name"),
                    "amount": _amount(item.get("amount")),
                    "currency": _currency(item.get("amount")),
                    "reporting_amount": _amount(item.get("reporting")),
                    "reporting_currency": _currency(item.get("reporting")),
                    "exchange_rate": item.get("exchange_rate"),
                    "rate_date": item.get("rate_date"),
                }


def _outcomes(context: Context) -> Iterator[Row]:
    for trip_id, state in context.states:
        report = _part(state, "report")
        results = {
            r.get("outcome_id"): r for r in report.get("results") or [] if isinstance(r, dict)
        }
        for outcome in _trip(state).get("expected_outcomes") or []:
            if not isinstance(outcome, dict):
                continue
            result = results.get(outcome.get("id"), {})
            yield {
                "trip_id": trip_id,
                "outcome_id": outcome.get("id"),
                "expected": outcome.get("text"),
                "achieved": result.get("achieved"),
                "result": result.get("result"),
            }


def _followups(context: Context) -> Iterator[Row]:
    for trip_id, state in context.states:
        for followup in state.get("followups") or []:
            if not isinstance(followup, dict):
                continue
            yield {
                "trip_id": trip_id,
                "followup_id": followup.get("id"),
                "commitment": followup.get("commitment"),
                "owner_department": followup.get("owner_department"),
                "due_date": followup.get("due_date"),
                "status": followup.get("status"),
                "evidence": followup.get("evidence"),
            }


def _signals(context: Context) -> Iterator[Row]:
    flown = {trip_id: context.flown(state) for trip_id, state in context.states}
    per_day = {k: f.per_traveller_day_kg if f is not None else None for k, f in flown.items()}
    medians = city_median(state for _, state in context.states)
    # The same median of the same figures as the pages' (``publish.yearbook``): cancelled
    # trips left out, each float read exactly.
    judged = [
        Decimal(repr(value))
        for trip_id, state in context.states
        if not state.get("cancelled") and (value := per_day[trip_id]) is not None
    ]
    if judged:
        medians[CO2E] = Decimal(median(judged))
    for trip_id, state in context.states:
        for signal in evaluate(state, medians, context.today, context.rules, per_day[trip_id]):
            yield {
                "trip_id": trip_id,
                "signal": signal.key,
                "status": signal.status,
                "message_key": signal.message,
            }


TABLES = {
    table.name: table
    for table in (
        Table(
            "trips",
            "Trips",
            "One row per approved trip: where, when, who, why, what it cost and who paid, "
            "as the ledger's entries state it now.",
            (
                TRIP_ID,
                REFERENCE,
                Column("title", "string", "The trip's title."),
                Column(
                    "status",
                    "string",
                    "Where the trip is in its life cycle.",
                    enum=("approved", "cancelled", "completed", "reported", "closed"),
                ),
                Column("category", "string", "The kind of trip (summit, network, twinning...)."),
                Column("purpose", "string", "Why the city goes, in its own words."),
                Column("host_organisation", "string", "Who invites or hosts."),
                Column(
                    "countries", "string", "ISO 3166-1 alpha-2 codes of the legs, `;`-separated."
                ),
                Column("cities", "string", "The cities of the legs, `;`-separated."),
                Column("departure_date", "date", "The day of departure."),
                Column("return_date", "date", "The day of return."),
                Column("days_abroad", "integer", "Days from departure to return, both counted."),
                Column("lead_department", "string", "The code of the department that leads."),
                Column(
                    "departments", "string", "Codes of every department involved, `;`-separated."
                ),
                Column(
                    "sdg_goals", "string", "Sustainable Development Goals (1-17), `;`-separated."
                ),
                Column("sdg_targets", "string", "SDG targets, e.g. 11.2, `;`-separated."),
                Column("delegation_size", "integer", "People travelling."),
                Column(
                    "elected_travellers", "integer", "Elected officials among the named travellers."
                ),
                Column("currency", "string", "The city's reporting currency (ISO 4217)."),
                Column("budget_total", "number", "The planned cost, in the reporting currency."),
                Column("city_share", "number", "The part of it the city pays."),
                Column("paid_by_others", "number", "The part hosts, networks and partners pay."),
                Column("in_kind_value", "number", "Estimated value of what was given in kind."),
                Column("actual_total", "number", "The actual cost after return, once stated."),
                Column("approved_on", "date", "The day the trip was approved."),
                Column("days_notice", "integer", "Days from approval to departure."),
                Column("report_due", "date", "The day the report is due."),
                Column("report_filed_on", "date", "The day the report was filed, once filed."),
                Column(
                    "flight_km",
                    "integer",
                    "Great-circle kilometres flown by each traveller: from the city to each "
                    "destination in order and back. Empty where the city's location is not set.",
                ),
                Column(
                    "co2e_kg_per_traveller",
                    "integer",
                    "Estimated flight emissions of one traveller, kg CO2e (DESNZ 2025 factors "
                    "by distance band, with radiative forcing; the site's /emissions page).",
                ),
                Column("co2e_kg", "integer", "Estimated flight emissions of the whole delegation."),
                Column(
                    "co2e_kg_per_traveller_day",
                    "integer",
                    "One traveller's estimated kg CO2e over the trip's days: the figure the "
                    "checklist weighs against the city's median.",
                ),
                Column(
                    "co2e_at_capital",
                    "string",
                    "Destinations the gazetteer does not know, measured to their country's "
                    "capital instead, `;`-separated.",
                ),
                Column(
                    "co2e_unlocated",
                    "string",
                    "Destinations in a country the gazetteer does not know, left out of the "
                    "estimate, `;`-separated.",
                ),
                Column("page", "string", "The trip's public page, with its ledger entries."),
            ),
            ("trip_id",),
            _trips,
        ),
        Table(
            "costs",
            "Cost lines",
            "Every planned and actual cost line of every trip, with its payer.",
            (
                TRIP_ID,
                Column(
                    "stage",
                    "string",
                    "Planned at approval, or actual after return.",
                    True,
                    ("planned", "actual"),
                ),
                Column("line", "integer", "The line's place in its list, from 1.", required=True),
                Column("category", "string", "Travel, lodging, subsistence, registration..."),
                Column("payer", "string", "Who pays: the city, the host, a network, a partner..."),
                Column("payer_name", "string", "The budget line, host or grant, where named."),
                Column("amount", "number", "The amount in its own currency."),
                Column("currency", "string", "Its currency (ISO 4217)."),
                Column(
                    "reporting_amount", "number", "The amount in the city's reporting currency."
                ),
                Column("reporting_currency", "string", "The reporting currency (ISO 4217)."),
                Column("exchange_rate", "number", "Reporting units per unit of the amount."),
                Column("rate_date", "date", "The date of the exchange rate."),
            ),
            ("trip_id", "stage", "line"),
            _costs,
        ),
        Table(
            "outcomes",
            "Expected outcomes and results",
            "What each trip set out to achieve and, once reported, whether it did.",
            (
                TRIP_ID,
                Column("outcome_id", "string", "The outcome's id within the trip.", required=True),
                Column("expected", "string", "The outcome expected before departure."),
                Column(
                    "achieved",
                    "string",
                    "Whether it was achieved, once reported.",
                    enum=("yes", "partly", "no"),
                ),
                Column("result", "string", "What came of it, in the report's words."),
            ),
            ("trip_id", "outcome_id"),
            _outcomes,
        ),
        Table(
            "followups",
            "Follow-up commitments",
            "What the city committed to after each trip, who owns it, when, and how it stands.",
            (
                TRIP_ID,
                Column(
                    "followup_id", "string", "The commitment's id within the trip.", required=True
                ),
                Column("commitment", "string", "What the city will do."),
                Column("owner_department", "string", "The code of the department that owns it."),
                Column("due_date", "date", "When it is due."),
                Column("status", "string", "Where it stands."),
                Column("evidence", "string", "What shows it done, once stated."),
            ),
            ("trip_id", "followup_id"),
            _followups,
        ),
        Table(
            "signals",
            "Checklist signals",
            "How each trip meets the city's checklist (notice, agenda, outcomes, cost, flight "
            "emissions, report, follow-ups): the same judgement the trip's page shows.",
            (
                TRIP_ID,
                Column(
                    "signal",
                    "string",
                    "The checklist item; emissions only where the city's location is set.",
                    True,
                    (
                        "notice",
                        "agenda",
                        "purpose",
                        "sdg",
                        "departments",
                        "cost",
                        "cofunded",
                        "emissions",
                        "delegation",
                        "report",
                        "results",
                        "followups",
                        "amendments",
                    ),
                ),
                Column(
                    "status",
                    "string",
                    "How the trip meets it.",
                    True,
                    ("pass", "warning", "pending"),
                ),
                Column("message_key", "string", "The key of its sentence in the site's languages."),
            ),
            ("trip_id", "signal"),
            _signals,
        ),
    )
}
