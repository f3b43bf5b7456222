"""Pure functions from a trip's typed public state (``TripState``) to signals.

Each signal carries a message key and the figures behind it; the words come
later, in the reader's language (``notifier.i18n``). A signal is ``pass``,
``warning``, or ``pending`` when it cannot be judged yet (a report not yet due).
"""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Literal

from notifier.checklist.rules import Rules
from notifier.publish.models import Amendment, TripState, amount, trip_days
from periplus.public import FollowupStatus, TripSnapshot
from periplus.rules import followup_overdue, short_notice

Status = Literal["pass", "warning", "pending"]
CO2E = "kg CO2e"
"""The unit of estimated emissions among the city's medians per traveller-day, beside
each reporting currency (an ISO 4217 code, which it can never be)."""
WORKING_KINDS = frozenset({"meeting", "site_visit", "session", "speech"})


@dataclass(frozen=True)
class Signal:
    key: str
    status: Status
    message: str
    figures: dict[str, Any] = field(default_factory=dict)


def _day(timestamp: str) -> date | None:
    """The day of a ledger timestamp."""
    try:
        return date.fromisoformat(timestamp[:10])
    except ValueError:
        return None


def notice(trip: TripSnapshot, rules: Rules) -> Signal:
    days = trip.days_notice
    justified = bool(trip.urgency_justification)
    figures = {"days": days, "minimum": rules.min_notice_days, "justified": justified}
    if days < 0:
        return Signal("notice", "warning", "notice.after", {**figures, "days_after": -days})
    if not short_notice(days, rules.min_notice_days):
        return Signal("notice", "pass", "notice.pass", figures)
    message = "notice.justified" if justified else "notice.warning"
    return Signal("notice", "warning", message, figures)


def agenda_coverage(trip: TripSnapshot, rules: Rules) -> Signal | None:
    days = trip_days(trip)
    if days is None:
        return None
    span = {trip.departure_date + timedelta(days=i) for i in range(days)}
    worked = {item.date for item in trip.agenda if item.kind in WORKING_KINDS} & span
    share = len(worked) / days
    figures = {"days": days, "with_agenda": len(worked), "share": share}
    figures["minimum"] = rules.min_agenda_share
    status: Status = "pass" if share >= rules.min_agenda_share else "warning"
    return Signal("agenda", status, f"agenda.{status}", figures)


# Purpose, SDG targets and departments are judged even of a trip whose record does not
# validate (``trip`` None): it states none of them, and the checklist says so.


def purpose_and_outcomes(trip: TripSnapshot | None, rules: Rules) -> Signal:
    purpose = trip.purpose.strip() if trip is not None else ""
    outcomes = trip.expected_outcomes if trip is not None else []
    figures = {"purpose_chars": len(purpose), "outcomes": len(outcomes)}
    if len(purpose) >= rules.min_purpose_chars and outcomes:
        return Signal("purpose", "pass", "purpose.pass", figures)
    message = "purpose.no_outcomes" if not outcomes else "purpose.thin"
    return Signal("purpose", "warning", message, figures)


def sdg_targets(trip: TripSnapshot | None) -> Signal:
    targets = list(trip.sdg_targets) if trip is not None else []
    goals = trip.sdg_goals if trip is not None else []
    figures = {"targets": len(targets), "goals": len(goals), "list": targets}
    if targets:
        return Signal("sdg", "pass", "sdg.pass", figures)
    return Signal("sdg", "warning", "sdg.warning", figures)


def departments(trip: TripSnapshot | None, rules: Rules) -> Signal:
    named = involved(trip) if trip is not None else []
    figures = {"count": len(named), "minimum": rules.min_departments}
    status: Status = "pass" if len(named) >= max(rules.min_departments, 1) else "warning"
    return Signal("departments", status, f"departments.{status}", figures)


def involved(trip: TripSnapshot) -> list[str]:
    """Every department the trip names, the lead among them, each once."""
    return [d for d in dict.fromkeys([*trip.departments, trip.lead_department]) if d]


def cost_basis(state: TripState) -> tuple[Decimal, str, bool] | None:
    """The trip's total in the reporting currency: actual if known, else budgeted."""
    if state.completed is not None:
        actual = amount(state.completed.actual_total)
        if actual is not None:
            return actual, state.completed.actual_total.currency, True
    if state.trip is None:
        return None
    budget = amount(state.trip.budget_total)
    if budget is None:
        return None
    return budget, state.trip.budget_total.currency, False


def cost_per_traveller_day(state: TripState) -> tuple[Decimal, str] | None:
    if state.trip is None:
        return None
    basis, days, size = cost_basis(state), trip_days(state.trip), state.trip.delegation_size
    if basis is None or days is None or size < 1:
        return None
    return basis[0] / (size * days), basis[1]


def cost(state: TripState, medians: dict[str, Decimal], rules: Rules) -> Signal | None:
    found = cost_per_traveller_day(state)
    if found is None:
        return None
    value, currency = found
    typical = medians.get(currency)
    figures: dict[str, Any] = {"per_day": value, "currency": currency, "median": typical}
    if typical is None or typical == 0:
        return Signal("cost", "pass", "cost.alone", figures)
    ratio = float(value / typical)
    figures.update(ratio=ratio, maximum=rules.max_cost_ratio)
    status: Status = "pass" if ratio <= rules.max_cost_ratio else "warning"
    return Signal("cost", status, f"cost.{status}", figures)


def emissions(per_day: float | None, medians: dict[str, Decimal], rules: Rules) -> Signal | None:
    """Estimated flight emissions per traveller-day against the city's median of the same."""
    if per_day is None:
        return None
    typical = medians.get(CO2E)
    # Whole kilograms: the estimate is not finer than that.
    figures: dict[str, Any] = {"kg_per_day": round(per_day)}
    if typical is None or typical == 0:
        return Signal("emissions", "pass", "emissions.alone", figures)
    ratio = per_day / float(typical)
    figures.update(median_kg=round(typical), ratio=ratio, maximum=rules.max_emissions_ratio)
    status: Status = "pass" if ratio <= rules.max_emissions_ratio else "warning"
    return Signal("emissions", status, f"emissions.{status}", figures)


def cofunded(state: TripState, rules: Rules) -> Signal | None:
    trip, completed = state.trip, state.completed
    budget, share_planned = (trip.budget_total, trip.city_share) if trip else (None, None)
    actual, share_paid = (
        (completed.actual_total, completed.city_share) if completed else (None, None)
    )
    # An actual figure of zero reads as not yet known: the planned one stands for it.
    total = amount(actual) or amount(budget)
    city = amount(share_paid) or amount(share_planned)
    if total is None or city is None or total <= 0:
        return None
    share = float((total - city) / total)
    currency = budget.currency if budget is not None else ""
    figures = {"share": share, "city": city, "others": total - city, "currency": currency}
    figures["minimum"] = rules.min_cofunded_share
    status: Status = "pass" if share >= rules.min_cofunded_share else "warning"
    return Signal("cofunded", status, f"cofunded.{status}", figures)


def delegation(trip: TripSnapshot, rules: Rules) -> Signal:
    size = trip.delegation_size
    figures = {"size": size, "maximum": rules.max_delegation}
    status: Status = "pass" if size <= rules.max_delegation else "warning"
    return Signal("delegation", status, f"delegation.{status}", figures)


def report_on_time(state: TripState, today: date) -> Signal | None:
    if state.trip is None:
        return None
    due = state.trip.report_due
    if state.report is not None:
        filed = state.report.filed_on
        late = (filed - due).days
        figures = {"filed_on": filed, "due": due, "late_days": max(late, 0)}
        if late <= 0:
            return Signal("report", "pass", "report.on_time", figures)
        return Signal("report", "warning", "report.late", figures)
    if today > due:
        figures = {"due": due, "late_days": (today - due).days}
        return Signal("report", "warning", "report.overdue", figures)
    return Signal("report", "pending", "report.pending", {"due": due})


def results(state: TripState) -> Signal | None:
    if state.report is None:
        return None
    outcomes = state.trip.expected_outcomes if state.trip is not None else []
    given = {r.outcome_id: r.achieved for r in state.report.results}
    counts = {k: sum(1 for v in given.values() if v == k) for k in ("yes", "partly", "no")}
    missing = sum(1 for o in outcomes if o.id not in given)
    figures = {**counts, "missing": missing, "expected": len(outcomes)}
    status: Status = "pass" if missing == 0 and outcomes else "warning"
    return Signal("results", status, f"results.{status}", figures)


def followups(state: TripState, today: date, rules: Rules) -> Signal | None:
    if state.report is None:
        return None
    items = state.followups
    done = sum(1 for f in items if f.status == FollowupStatus.DONE)
    dropped = sum(1 for f in items if f.status == FollowupStatus.DROPPED)
    overdue = sum(1 for f in items if followup_overdue(f.status, f.due_date, today))
    open_ = len(items) - done - dropped - overdue
    figures = {"done": done, "open": open_, "overdue": overdue, "dropped": dropped}
    figures["total"] = len(items)
    if not items:
        status: Status = "warning" if rules.require_followups else "pass"
        return Signal("followups", status, "followups.none", figures)
    status = "warning" if overdue else "pass"
    return Signal("followups", status, f"followups.{status}", figures)


# A correction of what came after the trip (its actual costs, report, follow-ups) is no
# change of the plan, however late it comes.
_AFTERMATH = ("actual_costs", "report", "followups")


def _of_the_plan(amendment: Amendment) -> bool:
    """Whether an amendment or correction changed the trip as planned."""
    if amendment.type != "trip.corrected":
        return True
    fields = [c.field for c in amendment.changes]
    return not fields or any(f.split(".")[0] not in _AFTERMATH for f in fields)


def amendments(state: TripState, rules: Rules) -> Signal:
    start = state.trip.departure_date if state.trip is not None else None
    changes = [a for a in state.amendments if _of_the_plan(a)]
    if not changes:
        return Signal("amendments", "pass", "amendments.none", {"count": 0})
    before = [(start - d).days if start and (d := _day(a.occurred_at)) else None for a in changes]
    known = [b for b in before if b is not None]
    latest = min(known) if known else None
    late = sum(1 for b in known if b < rules.late_amendment_days)
    figures = {"count": len(changes), "late": late, "latest_days_before": latest}
    figures["minimum"] = rules.late_amendment_days
    status: Status = "warning" if late else "pass"
    return Signal("amendments", status, f"amendments.{status}", figures)


def evaluate(
    state: TripState,
    medians: dict[str, Decimal],
    today: date,
    rules: Rules,
    co2e_per_day: float | None = None,
) -> Sequence[Signal]:
    """Every signal that can be judged for this trip, in reading order.

    ``co2e_per_day`` is the trip's estimated kg CO2e per traveller-day, where the
    city's location is configured (``notifier.emissions``); without it, no emissions signal.
    """
    trip = state.trip
    found = [
        notice(trip, rules) if trip is not None else None,
        agenda_coverage(trip, rules) if trip is not None else None,
        purpose_and_outcomes(trip, rules),
        sdg_targets(trip),
        departments(trip, rules),
        cost(state, medians, rules),
        cofunded(state, rules),
        emissions(co2e_per_day, medians, rules),
        delegation(trip, rules) if trip is not None else None,
        report_on_time(state, today) if state.cancelled is None else None,
        results(state),
        followups(state, today, rules),
        amendments(state, rules),
    ]
    return [s for s in found if s is not None]
