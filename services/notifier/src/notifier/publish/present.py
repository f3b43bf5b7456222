"""What a reader sees of a trip, in their language: summary, checklist, agenda, costs.

Everything here reads the typed state (``TripState``): a part that an entry off the
contract left out is absent, so it leaves a gap, never an error.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from notifier.checklist.rules import Rules
from notifier.checklist.signals import Signal, evaluate, results
from notifier.i18n.locale import Formats
from notifier.i18n.vocabulary import AGENDA_KIND, CATEGORY, COST_ITEM, PAYER, VERDICT
from notifier.i18n.words import Words, words
from notifier.publish.models import TripState, trip_days
from notifier.publish.sentences import followup_parts, outcome_results, sentences
from periplus.public import CostItem, FollowupStatus, Traveller, TripSnapshot
from periplus.rules import FOLLOWUP_PENDING, followup_overdue

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


def _traveller(person: Traveller, said: Words) -> str:
    if person.name:
        return f"{person.name} ({person.position})" if person.position else person.name
    if person.position:  # the name is protected: say so rather than show a bare job title
        # Translators: a traveller whose name the city does not publish, by their post.
        return said.gettext("{position} (name not published)", position=person.position)
    return ""


def places(trip: TripSnapshot | None, fmt: Formats) -> str:
    legs = trip.itinerary if trip is not None else []
    return fmt.join([f"{leg.city} ({fmt.country(leg.country)})".strip() for leg in legs])


def _stage(state: TripState, today: date) -> str:
    """Where the trip is in its life: planned, under way, done or cancelled."""
    if state.cancelled is not None:
        return "cancelled"
    if state.completed is not None or state.report is not None or state.closed_at:
        return "done"
    if state.trip is None:
        return "planned"
    if state.trip.return_date < today:
        return "done"
    if state.trip.departure_date <= today:
        return "under way"
    return "planned"


def _who_where(state: TripState, trip: TripSnapshot, said: Words, fmt: Formats, today: date) -> str:
    """Who goes where and when, in the tense of the trip's stage; the verb agrees with who."""
    travellers = [t for t in (_traveller(p, said) for p in trip.travellers) if t]
    size = trip.delegation_size
    if travellers:
        who, many = fmt.join(travellers), len(travellers)
    elif size > 0:
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
        "start": fmt.date(trip.departure_date),
        "end": fmt.date(trip.return_date),
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


def summary(state: TripState, lang: str, today: date) -> list[str]:
    """Short paragraphs: who, where, when, why, departments, SDGs, cost, outcomes, results."""
    fmt, said, trip = Formats(lang), words(lang), state.trip
    out: list[str] = []
    if state.cancelled is not None:
        reason = state.cancelled.reason.strip()
        if reason:
            out.append(said.gettext("This trip was cancelled: {reason}", reason=reason))
        else:
            out.append(said.gettext("This trip was cancelled."))
    if trip is not None:
        out.extend(_plan(state, trip, said, fmt, today))
    if state.completed is not None:
        out.append(
            said.gettext(
                "After return, the actual cost was {total}, of which the city paid {city}.",
                total=fmt.money(state.completed.actual_total),
                city=fmt.money(state.completed.city_share),
            )
        )
    if state.report is not None:
        out.append(
            said.gettext(
                "Report filed on {date}: {summary}",
                date=fmt.date(state.report.filed_on),
                summary=state.report.summary,
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


def _plan(
    state: TripState, trip: TripSnapshot, said: Words, fmt: Formats, today: date
) -> list[str]:
    """The approved plan: who, where, kind, why, departments, SDGs, cost, expected outcomes."""
    out = [_who_where(state, trip, said, fmt, today)]
    host = trip.host_organisation
    # Translators: follows the kind of trip, as in "summit or conference, hosted by UCLG".
    hosted = said.gettext(", hosted by {host}", host=host) if host else ""
    category = said.coded(CATEGORY, trip.category)
    out.append(said.gettext("Kind of trip: {category}{host}.", category=category, host=hosted))
    if trip.purpose.strip():
        out.append(said.gettext("Why: {purpose}", purpose=trip.purpose.strip()))
    if trip.departments:
        named = fmt.join(list(trip.departments))
        out.append(said.gettext("Departments involved: {list}.", list=named))
    if trip.sdg_goals:
        goals = fmt.join([f"{g} · {fmt.goal(g)}" for g in trip.sdg_goals])
        targets = fmt.join(list(trip.sdg_targets)) or "—"
        out.append(
            said.gettext(
                "Sustainable Development Goals: {goals}; targets {targets}.",
                goals=goals,
                targets=targets,
            )
        )
    out.extend(_cost_sentence(trip, said, fmt, past=_stage(state, today) in PAST))
    outcomes = [o.text for o in trip.expected_outcomes]
    if outcomes:
        listed = "; ".join(o.rstrip(".") for o in outcomes)
        out.append(said.gettext("Expected to come of it: {list}.", list=listed))
    return out


def _cost_sentence(trip: TripSnapshot, said: Words, fmt: Formats, past: bool) -> list[str]:
    """The budget and who pays it; in the past once the trip is done or cancelled."""
    total, city = trip.budget_total, trip.city_share
    try:
        others = Decimal(total.amount) - Decimal(city.amount)
    except ArithmeticError:
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
    payers: list[str] = []
    for item in trip.budget:
        if item.payer != "city":
            label = item.payer_name or said.coded(PAYER, item.payer)
            if label not in payers:
                payers.append(label)
    values = {
        "total": fmt.money(total),
        "city": fmt.money(city),
        "others": fmt.amount(others, total.currency),
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


def followup_tally(state: TripState, today: date) -> dict[str, int]:
    """The follow-ups counted: all, done, still open, and open past their date."""
    tally = {"total": len(state.followups), "done": 0, "open": 0, "overdue": 0}
    for f in state.followups:
        if f.status == FollowupStatus.DONE:
            tally["done"] += 1
        elif f.status in FOLLOWUP_PENDING:
            tally["overdue" if followup_overdue(f.status, f.due_date, today) else "open"] += 1
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
    state: TripState,
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


def agenda(trip: TripSnapshot | None, lang: str) -> list[dict[str, str]]:
    fmt, said = Formats(lang), words(lang)
    return [
        {
            "date": fmt.date(item.date, "medium"),
            "time": item.time or "",
            "kind": said.coded(AGENDA_KIND, item.kind),
            "title": item.title,
            "counterpart": item.counterpart or "",
            "topic": item.topic or "",
        }
        for item in (trip.agenda if trip is not None else [])
    ]


def costs(items: Sequence[CostItem], lang: str) -> list[dict[str, str]]:
    fmt, said = Formats(lang), words(lang)
    rows = []
    for item in items:
        payer = said.coded(PAYER, item.payer)
        if item.payer_name:
            payer = said.gettext("{payer}: {name}", payer=payer, name=item.payer_name)
        rows.append(
            {
                "item": said.coded(COST_ITEM, item.category),
                "payer": payer,
                "amount": fmt.money(item.amount),
                "reporting": fmt.money(item.reporting),
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
