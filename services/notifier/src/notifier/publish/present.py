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
from notifier.i18n.vocabulary import AGENDA_KIND, CATEGORY, COST_ITEM, PAYER, VERDICT
from notifier.i18n.words import Words, words
from notifier.publish.sentences import followup_parts, outcome_results, sentences

MONEY_FIGURES = frozenset({"per_day", "median", "city", "others"})
PAST = frozenset({"done", "cancelled"})
"""The stages in which a trip's plans are told in the past."""


@dataclass(frozen=True)
class Line:
    """One checklist line as shown: status, its label and the sentence."""

    key: str
    status: str
    label: str
    sentence: str


def _traveller(person: Any, said: Words) -> str:
    if not isinstance(person, dict):
        return ""
    name, position = person.get("name"), str(person.get("position") or "")
    if name and position:
        return f"{name} ({position})"
    if position:  # the name is protected: say so rather than show a bare job title
        # Translators: a traveller whose name the city does not publish, by their post.
        return said.gettext("{position} (name not published)", position=position)
    return str(name or "")


def places(trip: dict[str, Any], fmt: Formats) -> str:
    legs = [leg for leg in trip.get("itinerary") or [] if isinstance(leg, dict)]
    return fmt.join(
        [f"{leg.get('city', '')} ({fmt.country(leg.get('country'))})".strip() for leg in legs]
    )


def _stage(state: dict[str, Any], today: date) -> str:
    """Where the trip is in its life: planned, under way, done or cancelled."""
    trip = state.get("trip") or {}
    if state.get("cancelled"):
        return "cancelled"
    if state.get("completed") or state.get("report") or state.get("closed_at"):
        return "done"
    start, end = str(trip.get("departure_date") or ""), str(trip.get("return_date") or "")
    if end and end < today.isoformat():
        return "done"
    if start and start <= today.isoformat():
        return "under way"
    return "planned"


def _who_where(state: dict[str, Any], said: Words, fmt: Formats, today: date) -> str:
    """Who goes where and when, in the tense of the trip's stage; the verb agrees with who."""
    trip = state.get("trip") or {}
    travellers = [t for t in (_traveller(p, said) for p in trip.get("travellers") or []) if t]
    size = trip.get("delegation_size")
    if travellers:
        who, many = fmt.join(travellers), len(travellers)
    elif isinstance(size, int):
        who = said.ngettext(
            "A delegation of {count} person", "A delegation of {count} people", size
        )
        many = 1  # "a delegation" is one subject
    else:
        who, many = said.gettext("A delegation"), 1
    length = trip_days(trip)
    values = {
        "who": who,
        "where": places(trip, fmt),
        "start": fmt.date(trip.get("departure_date")),
        "end": fmt.date(trip.get("return_date")),
        "days": "?" if length is None else said.ngettext("{count} day", "{count} days", length),
    }
    stage = _stage(state, today)
    if stage == "cancelled":
        return said.npgettext(
            "trip cancelled",
            "{who} was to travel to {where} from {start} to {end} ({days}).",
            "{who} were to travel to {where} from {start} to {end} ({days}).",
            many,
            **values,
        )
    if stage == "done":
        return said.npgettext(
            "trip done",
            "{who} travelled to {where} from {start} to {end} ({days}).",
            "{who} travelled to {where} from {start} to {end} ({days}).",
            many,
            **values,
        )
    if stage == "under way":
        return said.npgettext(
            "trip under way",
            "{who} is travelling to {where} from {start} to {end} ({days}).",
            "{who} are travelling to {where} from {start} to {end} ({days}).",
            many,
            **values,
        )
    return said.npgettext(
        "trip planned",
        "{who} will travel to {where} from {start} to {end} ({days}).",
        "{who} will travel to {where} from {start} to {end} ({days}).",
        many,
        **values,
    )


def summary(state: dict[str, Any], lang: str, today: date) -> list[str]:
    """Short paragraphs: who, where, when, why, departments, SDGs, cost, outcomes, results."""
    fmt, said, trip = Formats(lang), words(lang), state.get("trip") or {}
    out: list[str] = []
    if state.get("cancelled"):
        reason = str(state["cancelled"].get("reason") or "").strip()
        if reason:
            out.append(said.gettext("This trip was cancelled: {reason}", reason=reason))
        else:
            out.append(said.gettext("This trip was cancelled."))
    if trip.get("departure_date"):
        out.append(_who_where(state, said, fmt, today))
    if trip.get("category"):
        host = trip.get("host_organisation")
        # Translators: follows the kind of trip, as in "summit or conference, hosted by UCLG".
        hosted = said.gettext(", hosted by {host}", host=host) if host else ""
        category = said.coded(CATEGORY, trip["category"])
        out.append(said.gettext("Kind of trip: {category}{host}.", category=category, host=hosted))
    if trip.get("purpose"):
        out.append(said.gettext("Why: {purpose}", purpose=str(trip["purpose"]).strip()))
    if trip.get("departments"):
        named = fmt.join(list(trip["departments"]))
        out.append(said.gettext("Departments involved: {list}.", list=named))
    if trip.get("sdg_goals"):
        goals = fmt.join([f"{g} · {fmt.goal(g)}" for g in trip["sdg_goals"]])
        targets = fmt.join([str(t) for t in trip.get("sdg_targets") or []]) or "—"
        out.append(
            said.gettext(
                "Sustainable Development Goals: {goals}; targets {targets}.",
                goals=goals,
                targets=targets,
            )
        )
    out.extend(_cost_sentence(trip, said, fmt, past=_stage(state, today) in PAST))
    outcomes = [str(o.get("text", "")) for o in trip.get("expected_outcomes") or []]
    if outcomes:
        listed = "; ".join(o.rstrip(".") for o in outcomes)
        out.append(said.gettext("Expected to come of it: {list}.", list=listed))
    completed = state.get("completed") or {}
    if completed.get("actual_total"):
        out.append(
            said.gettext(
                "After return, the actual cost was {total}, of which the city paid {city}.",
                total=fmt.money(completed["actual_total"]),
                city=fmt.money(completed.get("city_share")),
            )
        )
    report = state.get("report")
    if isinstance(report, dict):
        out.append(
            said.gettext(
                "Report filed on {date}: {summary}",
                date=fmt.date(report.get("filed_on")),
                summary=report.get("summary", ""),
            )
        )
        found = results(state)
        if found is not None:
            out.append(outcome_results(said, fmt.join, found.figures))
        tally = followup_tally(state, today)
        if tally["total"]:
            out.append(
                said.ngettext(
                    "Follow-up commitments: {count} ({list}).",
                    "Follow-up commitments: {count} ({list}).",
                    tally["total"],
                    list=fmt.join(followup_parts(said, tally)),
                )
            )
    return out


def _cost_sentence(trip: dict[str, Any], said: Words, fmt: Formats, past: bool) -> list[str]:
    """The budget and who pays it; in the past once the trip is done or cancelled."""
    total, city = trip.get("budget_total"), trip.get("city_share")
    if not isinstance(total, dict) or not isinstance(city, dict):
        return []
    try:
        others = Decimal(str(total["amount"])) - Decimal(str(city["amount"]))
    except (ArithmeticError, KeyError):
        return []
    if others <= 0 and past:
        return [
            said.gettext(
                "Budgeted cost {total}, all to be paid by the city.", total=fmt.money(total)
            )
        ]
    if others <= 0:
        return [
            said.gettext("Budgeted cost {total}, all paid by the city.", total=fmt.money(total))
        ]
    payers = []
    for item in trip.get("budget") or []:
        if isinstance(item, dict) and item.get("payer") != "city":
            label = item.get("payer_name") or said.coded(PAYER, item.get("payer", "other"))
            if label not in payers:
                payers.append(label)
    values = {
        "total": fmt.money(total),
        "city": fmt.money(city),
        "others": fmt.amount(others, str(total.get("currency", ""))),
        "payers": fmt.join(payers) or said.word(PAYER["other"]),
    }
    if past:
        # Translators: {payers} is who was to pay the rest, as in "and the host the other $500".
        return [
            said.gettext(
                "Budgeted cost {total}; the city was to pay {city}, and {payers} the other "
                "{others}.",
                **values,
            )
        ]
    return [
        said.gettext(
            "Budgeted cost {total}; the city pays {city} and {others} is paid by {payers}.",
            **values,
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
    state: dict[str, Any],
    medians: dict[str, Decimal],
    today: date,
    rules: Rules,
    lang: str,
    co2e_per_day: float | None = None,
) -> list[Line]:
    fmt, said = Formats(lang), words(lang)
    said_by = sentences(fmt.join)
    lines = []
    for signal in evaluate(state, medians, today, rules, co2e_per_day):
        values = {k: _figure(k, v, signal, fmt) for k, v in signal.figures.items()}
        lines.append(
            Line(
                key=signal.key,
                status=signal.status,
                label=said.coded(VERDICT, signal.status),
                sentence=said_by[signal.message](said, signal.figures, values),
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
                "kind": words(lang).coded(AGENDA_KIND, item.get("kind")),
                "title": str(item.get("title") or ""),
                "counterpart": str(item.get("counterpart") or ""),
                "topic": str(item.get("topic") or ""),
            }
        )
    return rows


def costs(items: Any, lang: str) -> list[dict[str, str]]:
    fmt, said = Formats(lang), words(lang)
    rows = []
    for item in items or []:
        if not isinstance(item, dict):
            continue
        payer = said.coded(PAYER, item.get("payer", "other"))
        if item.get("payer_name"):
            payer = said.gettext("{payer}: {name}", payer=payer, name=item["payer_name"])
        rows.append(
            {
                "item": said.coded(COST_ITEM, item.get("category", "other")),
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
