"""What a reader sees of a trip, in their language: summary, checklist, agenda, costs.

Everything here reads the folded state defensively: an entry that did not
match the contract leaves gaps, never an error.
"""

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from notifier.checklist.rules import Rules
from notifier.checklist.signals import Signal, evaluate, results, trip_days
from notifier.i18n.locale import Formats
from notifier.i18n.messages import text

MONEY_FIGURES = frozenset({"per_day", "median", "city", "others"})


@dataclass(frozen=True)
class Line:
    """One checklist line as shown: status, its label and the sentence."""

    key: str
    status: str
    label: str
    sentence: str


def _traveller(person: Any) -> str:
    if not isinstance(person, dict):
        return ""
    name, position = person.get("name"), str(person.get("position") or "")
    return f"{name} ({position})" if name and position else str(name or position)


def places(trip: dict[str, Any], fmt: Formats) -> str:
    legs = [leg for leg in trip.get("itinerary") or [] if isinstance(leg, dict)]
    return fmt.join(
        [f"{leg.get('city', '')} ({fmt.country(leg.get('country'))})".strip() for leg in legs]
    )


def summary(state: dict[str, Any], lang: str, today: date) -> list[str]:
    """Short paragraphs: who, where, when, why, departments, SDGs, cost, outcomes, results."""
    fmt, trip = Formats(lang), state.get("trip") or {}
    out: list[str] = []
    if state.get("cancelled"):
        out.append(text(lang, "sum.cancelled", reason=state["cancelled"].get("reason", "")))
    travellers = [_traveller(p) for p in trip.get("travellers") or []]
    who = fmt.join(travellers) or text(
        lang, "sum.delegation", size=trip.get("delegation_size", "?")
    )
    days = trip_days(trip)
    if trip.get("departure_date"):
        out.append(
            text(
                lang,
                "sum.who_where",
                who=who,
                where=places(trip, fmt),
                start=fmt.date(trip.get("departure_date")),
                end=fmt.date(trip.get("return_date")),
                days=days if days is not None else "?",
            )
        )
    if trip.get("category"):
        host = trip.get("host_organisation")
        out.append(
            text(
                lang,
                "sum.what",
                category=text(lang, f"category.{trip['category']}"),
                host=text(lang, "sum.host", host=host) if host else "",
            )
        )
    if trip.get("purpose"):
        out.append(text(lang, "sum.why", purpose=str(trip["purpose"]).strip()))
    if trip.get("departments"):
        out.append(text(lang, "sum.departments", list=fmt.join(list(trip["departments"]))))
    if trip.get("sdg_goals"):
        goals = fmt.join([f"{g} · {fmt.goal(g)}" for g in trip["sdg_goals"]])
        targets = fmt.join([str(t) for t in trip.get("sdg_targets") or []]) or "—"
        out.append(text(lang, "sum.sdg", goals=goals, targets=targets))
    out.extend(_cost_sentence(trip, lang, fmt))
    outcomes = [str(o.get("text", "")) for o in trip.get("expected_outcomes") or []]
    if outcomes:
        out.append(text(lang, "sum.expected", list="; ".join(o.rstrip(".") for o in outcomes)))
    completed = state.get("completed") or {}
    if completed.get("actual_total"):
        out.append(
            text(
                lang,
                "sum.actual",
                total=fmt.money(completed["actual_total"]),
                city=fmt.money(completed.get("city_share")),
            )
        )
    report = state.get("report")
    if isinstance(report, dict):
        out.append(
            text(
                lang,
                "sum.report",
                date=fmt.date(report.get("filed_on")),
                summary=report.get("summary", ""),
            )
        )
        found = results(state)
        if found is not None:
            out.append(text(lang, "sum.results", **found.figures))
        tally = followup_tally(state, today)
        if tally["total"]:
            out.append(text(lang, "sum.followups", **tally))
    return out


def _cost_sentence(trip: dict[str, Any], lang: str, fmt: Formats) -> list[str]:
    total, city = trip.get("budget_total"), trip.get("city_share")
    if not isinstance(total, dict) or not isinstance(city, dict):
        return []
    try:
        others = Decimal(str(total["amount"])) - Decimal(str(city["amount"]))
    except (ArithmeticError, KeyError):
        return []
    if others <= 0:
        return [text(lang, "sum.cost_city", total=fmt.money(total))]
    payers = []
    for item in trip.get("budget") or []:
        if isinstance(item, dict) and item.get("payer") != "city":
            label = item.get("payer_name") or text(lang, f"payer.{item.get('payer', 'other')}")
            if label not in payers:
                payers.append(label)
    return [
        text(
            lang,
            "sum.cost",
            total=fmt.money(total),
            city=fmt.money(city),
            others=fmt.amount(others, str(total.get("currency", ""))),
            payers=fmt.join(payers) or text(lang, "payer.other"),
        )
    ]


def followup_tally(state: dict[str, Any], today: date) -> dict[str, int]:
    items = [f for f in state.get("followups") or [] if isinstance(f, dict)]
    tally = {"total": len(items), "done": 0, "open": 0, "overdue": 0}
    for f in items:
        if f.get("status") == "done":
            tally["done"] += 1
        elif f.get("status") in ("open", "in_progress"):
            late = str(f.get("due_date") or "9999") < today.isoformat()
            tally["overdue" if late else "open"] += 1
    return tally


def _figure(name: str, value: Any, signal: Signal, fmt: Formats) -> str:
    currency = str(signal.figures.get("currency", ""))
    if isinstance(value, date):
        return fmt.date(value)
    if name in MONEY_FIGURES and value is not None:
        return fmt.amount(value, currency)
    if isinstance(value, float) and (name == "share" or signal.key in ("agenda", "cofunded")):
        return fmt.percent(value)
    if isinstance(value, float):
        return fmt.decimal1(value)
    if isinstance(value, list):
        return fmt.join([str(v) for v in value])
    if isinstance(value, int) and not isinstance(value, bool):
        return fmt.number(value)
    return "" if value is None else str(value)


def checklist(
    state: dict[str, Any], medians: dict[str, Decimal], today: date, rules: Rules, lang: str
) -> list[Line]:
    fmt = Formats(lang)
    lines = []
    for signal in evaluate(state, medians, today, rules):
        values = {k: _figure(k, v, signal, fmt) for k, v in signal.figures.items()}
        lines.append(
            Line(
                key=signal.key,
                status=signal.status,
                label=text(lang, f"signal.{signal.status}"),
                sentence=text(lang, signal.message, **values),
            )
        )
    return lines


def agenda(trip: dict[str, Any], lang: str) -> list[dict[str, str]]:
    fmt = Formats(lang)
    rows = []
    for item in trip.get("agenda") or []:
        if not isinstance(item, dict):
            continue
        rows.append(
            {
                "date": fmt.date(item.get("date"), "medium"),
                "time": str(item.get("time") or ""),
                "kind": text(lang, f"kind.{item.get('kind')}"),
                "title": str(item.get("title") or ""),
                "counterpart": str(item.get("counterpart") or ""),
                "topic": str(item.get("topic") or ""),
            }
        )
    return rows


def costs(items: Any, lang: str) -> list[dict[str, str]]:
    fmt = Formats(lang)
    rows = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        payer = text(lang, f"payer.{item.get('payer', 'other')}")
        if item.get("payer_name"):
            payer = text(lang, "costs.payer", payer=payer, name=item["payer_name"])
        rows.append(
            {
                "item": text(lang, f"cost.{item.get('category', 'other')}"),
                "payer": payer,
                "amount": fmt.money(item.get("amount")),
                "reporting": fmt.money(item.get("reporting")),
            }
        )
    return rows


def when(occurred_at: str, lang: str) -> str:
    """A ledger timestamp as a local date and UTC time."""
    fmt = Formats(lang)
    try:
        moment = datetime.fromisoformat(occurred_at.replace("Z", "+00:00"))
    except ValueError:
        return occurred_at
    return f"{fmt.date(moment.date(), 'medium')} {moment:%H:%M} UTC"
