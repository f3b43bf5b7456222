"""Pure functions from a trip's public state to signals.

Each signal carries a message key and the figures behind it; the words come
later, in the reader's language (``notifier.i18n``). A signal is ``pass``,
``warning``, or ``pending`` when it cannot be judged yet (a report not yet due).
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from statistics import median
from typing import Any, Literal

from notifier.checklist.rules import Rules
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


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except (TypeError, ValueError):
        return None


def _amount(money: Any) -> Decimal | None:
    if not isinstance(money, dict):
        return None
    try:
        return Decimal(str(money.get("amount")))
    except (InvalidOperation, ValueError):
        return None


def trip_days(trip: dict[str, Any]) -> int | None:
    start, end = _date(trip.get("departure_date")), _date(trip.get("return_date"))
    if start is None or end is None or end < start:
        return None
    return (end - start).days + 1


def notice(trip: dict[str, Any], rules: Rules) -> Signal | None:
    days = trip.get("days_notice")
    if not isinstance(days, int):
        start, approved = _date(trip.get("departure_date")), _date(trip.get("approved_on"))
        if start is None or approved is None:
            return None
        days = (start - approved).days
    justified = bool(trip.get("urgency_justification"))
    figures = {"days": days, "minimum": rules.min_notice_days, "justified": justified}
    if days < 0:
        return Signal("notice", "warning", "notice.after", {**figures, "days_after": -days})
    if not short_notice(days, rules.min_notice_days):
        return Signal("notice", "pass", "notice.pass", figures)
    message = "notice.justified" if justified else "notice.warning"
    return Signal("notice", "warning", message, figures)


def agenda_coverage(trip: dict[str, Any], rules: Rules) -> Signal | None:
    days = trip_days(trip)
    if days is None:
        return None
    start = _date(trip["departure_date"])
    assert start is not None
    span = {start + timedelta(days=i) for i in range(days)}
    worked = {
        d
        for item in trip.get("agenda") or []
        if isinstance(item, dict) and item.get("kind") in WORKING_KINDS
        for d in [_date(item.get("date"))]
        if d in span
    }
    share = len(worked) / days
    figures = {"days": days, "with_agenda": len(worked), "share": share}
    figures["minimum"] = rules.min_agenda_share
    status: Status = "pass" if share >= rules.min_agenda_share else "warning"
    return Signal("agenda", status, f"agenda.{status}", figures)


def purpose_and_outcomes(trip: dict[str, Any], rules: Rules) -> Signal:
    purpose = str(trip.get("purpose") or "").strip()
    outcomes = [o for o in trip.get("expected_outcomes") or [] if isinstance(o, dict)]
    figures = {"purpose_chars": len(purpose), "outcomes": len(outcomes)}
    if len(purpose) >= rules.min_purpose_chars and outcomes:
        return Signal("purpose", "pass", "purpose.pass", figures)
    message = "purpose.no_outcomes" if not outcomes else "purpose.thin"
    return Signal("purpose", "warning", message, figures)


def sdg_targets(trip: dict[str, Any]) -> Signal:
    targets = [str(t) for t in trip.get("sdg_targets") or []]
    goals = trip.get("sdg_goals") or []
    figures = {"targets": len(targets), "goals": len(goals), "list": targets}
    if targets:
        return Signal("sdg", "pass", "sdg.pass", figures)
    return Signal("sdg", "warning", "sdg.warning", figures)


def departments(trip: dict[str, Any], rules: Rules) -> Signal:
    named = list(dict.fromkeys([*(trip.get("departments") or []), trip.get("lead_department")]))
    named = [str(d) for d in named if d]
    figures = {"count": len(named), "minimum": rules.min_departments}
    status: Status = "pass" if len(named) >= max(rules.min_departments, 1) else "warning"
    return Signal("departments", status, f"departments.{status}", figures)


def cost_basis(state: dict[str, Any]) -> tuple[Decimal, str, bool] | None:
    """The trip's total in the reporting currency: actual if known, else budgeted."""
    trip = state.get("trip") or {}
    completed = state.get("completed") or {}
    actual = _amount(completed.get("actual_total"))
    if actual is not None:
        return actual, str(completed["actual_total"].get("currency", "")), True
    budget = _amount(trip.get("budget_total"))
    if budget is None:
        return None
    return budget, str(trip["budget_total"].get("currency", "")), False


def cost_per_traveller_day(state: dict[str, Any]) -> tuple[Decimal, str] | None:
    trip = state.get("trip") or {}
    basis, days = cost_basis(state), trip_days(trip)
    size = trip.get("delegation_size")
    if basis is None or days is None or not isinstance(size, int) or size < 1:
        return None
    return basis[0] / (size * days), basis[1]


def city_median(states: Iterable[dict[str, Any]]) -> dict[str, Decimal]:
    """The median cost per traveller-day of the city's trips, per reporting currency."""
    by_currency: dict[str, list[Decimal]] = {}
    for state in states:
        if state.get("cancelled"):
            continue
        found = cost_per_traveller_day(state)
        if found is not None:
            by_currency.setdefault(found[1], []).append(found[0])
    return {currency: Decimal(median(values)) for currency, values in by_currency.items()}


def cost(state: dict[str, Any], medians: dict[str, Decimal], rules: Rules) -> Signal | None:
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


def cofunded(state: dict[str, Any], rules: Rules) -> Signal | None:
    trip = state.get("trip") or {}
    completed = state.get("completed") or {}
    total = _amount(completed.get("actual_total")) or _amount(trip.get("budget_total"))
    city = _amount(completed.get("city_share")) or _amount(trip.get("city_share"))
    if total is None or city is None or total <= 0:
        return None
    share = float((total - city) / total)
    currency = str((trip.get("budget_total") or {}).get("currency", ""))
    figures = {"share": share, "city": city, "others": total - city, "currency": currency}
    figures["minimum"] = rules.min_cofunded_share
    status: Status = "pass" if share >= rules.min_cofunded_share else "warning"
    return Signal("cofunded", status, f"cofunded.{status}", figures)


def delegation(trip: dict[str, Any], rules: Rules) -> Signal | None:
    size = trip.get("delegation_size")
    if not isinstance(size, int):
        return None
    figures = {"size": size, "maximum": rules.max_delegation}
    status: Status = "pass" if size <= rules.max_delegation else "warning"
    return Signal("delegation", status, f"delegation.{status}", figures)


def report_on_time(state: dict[str, Any], today: date) -> Signal | None:
    trip = state.get("trip") or {}
    due, back = _date(trip.get("report_due")), _date(trip.get("return_date"))
    if due is None or back is None:
        return None
    report = state.get("report")
    if isinstance(report, dict):
        filed = _date(report.get("filed_on")) or today
        late = (filed - due).days
        figures = {"filed_on": filed, "due": due, "late_days": max(late, 0)}
        if late <= 0:
            return Signal("report", "pass", "report.on_time", figures)
        return Signal("report", "warning", "report.late", figures)
    if today > due:
        figures = {"due": due, "late_days": (today - due).days}
        return Signal("report", "warning", "report.overdue", figures)
    return Signal("report", "pending", "report.pending", {"due": due})


def results(state: dict[str, Any]) -> Signal | None:
    report = state.get("report")
    outcomes = [o for o in (state.get("trip") or {}).get("expected_outcomes") or []]
    if not isinstance(report, dict):
        return None
    given = {r.get("outcome_id"): r.get("achieved") for r in report.get("results") or []}
    counts = {k: sum(1 for v in given.values() if v == k) for k in ("yes", "partly", "no")}
    missing = sum(1 for o in outcomes if isinstance(o, dict) and o.get("id") not in given)
    figures = {**counts, "missing": missing, "expected": len(outcomes)}
    status: Status = "pass" if missing == 0 and outcomes else "warning"
    return Signal("results", status, f"results.{status}", figures)


def followups(state: dict[str, Any], today: date, rules: Rules) -> Signal | None:
    if not isinstance(state.get("report"), dict):
        return None
    items = [f for f in state.get("followups") or [] if isinstance(f, dict)]
    done = sum(1 for f in items if f.get("status") == "done")
    dropped = sum(1 for f in items if f.get("status") == "dropped")
    overdue = sum(
        1 for f in items if followup_overdue(f.get("status"), _date(f.get("due_date")), today)
    )
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


def _of_the_plan(amendment: dict[str, Any]) -> bool:
    """Whether an amendment or correction changed the trip as planned."""
    if amendment.get("type") != "trip.corrected":
        return True
    fields = [
        str(c.get("field", "")) for c in amendment.get("changes") or [] if isinstance(c, dict)
    ]
    return not fields or any(f.split(".")[0] not in _AFTERMATH for f in fields)


def amendments(state: dict[str, Any], rules: Rules) -> Signal | None:
    trip = state.get("trip") or {}
    start = _date(trip.get("departure_date"))
    changes = [a for a in state.get("amendments") or [] if isinstance(a, dict) and _of_the_plan(a)]
    if not changes:
        return Signal("amendments", "pass", "amendments.none", {"count": 0})
    before = [
        (start - d).days if start and (d := _date(a.get("occurred_at"))) else None for a in changes
    ]
    known = [b for b in before if b is not None]
    latest = min(known) if known else None
    late = sum(1 for b in known if b < rules.late_amendment_days)
    figures = {"count": len(changes), "late": late, "latest_days_before": latest}
    figures["minimum"] = rules.late_amendment_days
    status: Status = "warning" if late else "pass"
    return Signal("amendments", status, f"amendments.{status}", figures)


def evaluate(
    state: dict[str, Any],
    medians: dict[str, Decimal],
    today: date,
    rules: Rules,
    co2e_per_day: float | None = None,
) -> Sequence[Signal]:
    """Every signal that can be judged for this trip, in reading order.

    ``co2e_per_day`` is the trip's estimated kg CO2e per traveller-day, where the
    city's location is configured (``notifier.emissions``); without it, no emissions signal.
    """
    trip = state.get("trip") or {}
    found = [
        notice(trip, rules),
        agenda_coverage(trip, rules),
        purpose_and_outcomes(trip, rules),
        sdg_targets(trip),
        departments(trip, rules),
        cost(state, medians, rules),
        cofunded(state, rules),
        emissions(co2e_per_day, medians, rules),
        delegation(trip, rules),
        report_on_time(state, today) if not state.get("cancelled") else None,
        results(state),
        followups(state, today, rules),
        amendments(state, rules),
    ]
    return [s for s in found if s is not None]
