"""The rows of each open-data table, read from every trip's typed public state.

Each reader yields one ``Row`` per trip, cost line, expected outcome, follow-up or
signal, keyed by the table's column names (``opendata.tables``). Amounts are written
as the entry states them, through ``Decimal`` and never a float.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from notifier.checklist.rules import Rules
from notifier.checklist.signals import evaluate
from notifier.emissions import footprint
from notifier.emissions.gazetteer import Place
from notifier.publish.models import TripState, trip_days
from periplus.public import CostItem, Money, TripSnapshot

Row = dict[str, Any]
Rows = Callable[["Context"], Iterator[Row]]


@dataclass(frozen=True)
class Context:
    """What every table is read from: each trip's public state, and the day of judgement."""

    states: list[tuple[str, TripState]]  # (trip id, folded state), in departure order
    today: date
    rules: Rules
    public_url: str
    home: Place | None = None
    """Where the city's officials leave from; without it, no emissions are estimated."""
    medians: dict[str, Decimal] = field(default_factory=dict)
    """The city's medians per traveller-day that the checklist weighs each trip against,
    as the pages weigh it (``publish.yearbook``, kept up to date as entries arrive)."""

    def flown(self, state: TripState) -> footprint.Footprint | None:
        """The trip's estimated flights, as its page shows them."""
        return footprint.of_trip(state.trip, self.home)


def _amount(money: Money | None) -> str | None:
    """A decimal amount as written in the entry (never through a float)."""
    return str(Decimal(money.amount)) if money is not None else None


def _joined(values: list[str] | list[int]) -> str:
    return ";".join(str(v) for v in values)


def _status(state: TripState) -> str:
    if state.closed_at:
        return "closed"
    if state.report is not None:
        return "reported"
    if state.completed is not None:
        return "completed"
    if state.cancelled is not None:
        return "cancelled"
    return "approved"


def trips(context: Context) -> Iterator[Row]:
    for trip_id, state in context.states:
        trip = state.trip
        yield {
            "trip_id": trip_id,
            "reference": state.reference or (trip.reference if trip is not None else None),
            "status": _status(state),
            **(_plan(trip) if trip is not None else _NO_PLAN),
            "actual_total": _amount(state.completed.actual_total if state.completed else None),
            "report_filed_on": state.report.filed_on if state.report is not None else None,
            **_emissions(context.flown(state)),
            "page": f"{context.public_url}/trips/{trip_id}",
        }


# The columns of a trip whose record does not validate: lists read as empty, the rest as
# not stated.
_NO_PLAN: Row = {
    **dict.fromkeys(("countries", "cities", "departments", "sdg_goals", "sdg_targets"), ""),
    "elected_travellers": 0,
}


def _plan(trip: TripSnapshot) -> Row:
    """The trip as planned: where, when, who, why, and what it costs whom."""
    total, city = trip.budget_total, trip.city_share
    in_kind = [Decimal(item.estimated_value.amount) for item in trip.in_kind]
    return {
        "title": trip.title,
        "category": trip.category,
        "purpose": trip.purpose,
        "host_organisation": trip.host_organisation,
        "countries": _joined([leg.country for leg in trip.itinerary]),
        "cities": _joined([leg.city for leg in trip.itinerary]),
        "departure_date": trip.departure_date,
        "return_date": trip.return_date,
        "days_abroad": trip_days(trip),  # none for a return stated before the departure
        "lead_department": trip.lead_department,
        "departments": _joined(trip.departments),
        "sdg_goals": _joined(trip.sdg_goals),
        "sdg_targets": _joined(trip.sdg_targets),
        "delegation_size": trip.delegation_size,
        "elected_travellers": sum(1 for t in trip.travellers if t.elected),
        "currency": trip.budget_total.currency,
        "budget_total": _amount(total),
        "city_share": _amount(city),
        "paid_by_others": str(Decimal(total.amount) - Decimal(city.amount)),
        "in_kind_value": str(sum(in_kind)) if in_kind else None,
        "approved_on": trip.approved_on,
        "days_notice": trip.days_notice,
        "report_due": trip.report_due,
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


def costs(context: Context) -> Iterator[Row]:
    for trip_id, state in context.states:
        planned = state.trip.budget if state.trip is not None else []
        actual = state.completed.actual_costs if state.completed is not None else []
        for stage, items in (("planned", planned), ("actual", actual)):
            for line, item in enumerate(items, start=1):
                yield {"trip_id": trip_id, "stage": stage, "line": line, **_cost(item)}


def _cost(item: CostItem) -> Row:
    return {
        "category": item.category,
        "payer": item.payer,
        "payer_name": item.payer_name,
        "amount": _amount(item.amount),
        "currency": item.amount.currency,
        "reporting_amount": _amount(item.reporting),
        "reporting_currency": item.reporting.currency,
        "exchange_rate": item.exchange_rate,
        "rate_date": item.rate_date,
    }


def outcomes(context: Context) -> Iterator[Row]:
    for trip_id, state in context.states:
        if state.trip is None:
            continue
        report = state.report
        results = {r.outcome_id: r for r in report.results} if report is not None else {}
        for outcome in state.trip.expected_outcomes:
            result = results.get(outcome.id)
            yield {
                "trip_id": trip_id,
                "outcome_id": outcome.id,
                "expected": outcome.text,
                "achieved": result.achieved if result is not None else None,
                "result": result.result if result is not None else None,
            }


def followups(context: Context) -> Iterator[Row]:
    for trip_id, state in context.states:
        for followup in state.followups:
            yield {
                "trip_id": trip_id,
                "followup_id": followup.id,
                "commitment": followup.commitment,
                "owner_department": followup.owner_department,
                "due_date": followup.due_date,
                "status": followup.status.value,
                "evidence": followup.evidence,
            }


def signals(context: Context) -> Iterator[Row]:
    for trip_id, state in context.states:
        per_day = footprint.per_traveller_day(state.trip, context.home)
        for signal in evaluate(state, context.medians, context.today, context.rules, per_day):
            yield {
                "trip_id": trip_id,
                "signal": signal.key,
                "status": signal.status,
                "message_key": signal.message,
            }
