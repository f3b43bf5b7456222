"""The checklist's sentences: one per signal message, grammatical for any count.

A signal carries its figures raw (``raw``: to choose a plural form, or another
sentence for none or for a negative number) and as the reader reads them
(``shown``: local digits, dates, amounts, percentages).
"""

from collections.abc import Callable, Mapping
from typing import Any

from notifier.i18n.words import Words

Figures = Mapping[str, Any]
Sentence = Callable[[Words, Figures, Figures], str]


def _int(value: Any) -> int:
    return value if isinstance(value, int) else 0


def overdue_report(said: Words, late_days: int, due: str) -> str:
    """A report still missing after its due date, in the checklist and in alert feeds."""
    return said.ngettext(
        "No report yet: {count} day overdue (due {due}).",
        "No report yet: {count} days overdue (due {due}).",
        late_days,
        due=due,
    )


def _notice_pass(said: Words, raw: Figures, shown: Figures) -> str:
    return said.ngettext(
        "Disclosed {count} day before departure (minimum: {minimum}).",
        "Disclosed {count} days before departure (minimum: {minimum}).",
        _int(raw.get("days")),
        minimum=shown["minimum"],
    )


def _notice_short(said: Words, raw: Figures, shown: Figures) -> str:
    days, minimum = _int(raw.get("days")), shown["minimum"]
    if days == 0 and raw.get("justified"):
        return said.gettext(
            "Disclosed on the day of departure (minimum: {minimum}); "
            "the urgency is justified in the record.",
            minimum=minimum,
        )
    if days == 0:
        return said.gettext(
            "Disclosed on the day of departure (minimum: {minimum}), with no justification.",
            minimum=minimum,
        )
    if raw.get("justified"):
        return said.ngettext(
            "Disclosed only {count} day before departure (minimum: {minimum}); "
            "the urgency is justified in the record.",
            "Disclosed only {count} days before departure (minimum: {minimum}); "
            "the urgency is justified in the record.",
            days,
            minimum=minimum,
        )
    return said.ngettext(
        "Disclosed only {count} day before departure (minimum: {minimum}), with no justification.",
        "Disclosed only {count} days before departure (minimum: {minimum}), with no justification.",
        days,
        minimum=minimum,
    )


def _notice_after(said: Words, raw: Figures, shown: Figures) -> str:
    return said.ngettext(
        "Disclosed {count} day after departure, after the fact.",
        "Disclosed {count} days after departure, after the fact.",
        _int(raw.get("days_after")),
    )


def _agenda_pass(said: Words, raw: Figures, shown: Figures) -> str:
    # Translators: a label and its figures, so that no word agrees with a number.
    return said.gettext(
        "Travel days with official agenda items: {with_agenda} of {days} ({share}).", **shown
    )


def _agenda_warning(said: Words, raw: Figures, shown: Figures) -> str:
    return said.gettext(
        "Travel days with official agenda items: only {with_agenda} of {days} ({share}; "
        "minimum: {minimum}).",
        **shown,
    )


def _purpose_pass(said: Words, raw: Figures, shown: Figures) -> str:
    return said.ngettext(
        "The purpose is stated and {count} measurable outcome is expected.",
        "The purpose is stated and {count} measurable outcomes are expected.",
        _int(raw.get("outcomes")),
    )


def _purpose_thin(said: Words, raw: Figures, shown: Figures) -> str:
    return said.ngettext(
        "The purpose is too brief to judge the trip by ({count} character).",
        "The purpose is too brief to judge the trip by ({count} characters).",
        _int(raw.get("purpose_chars")),
    )


def _departments_warning(said: Words, raw: Figures, shown: Figures) -> str:
    if _int(raw.get("count")) == 0:
        return said.gettext("No department is named (minimum: {minimum}).", **shown)
    return said.gettext("Departments involved: only {count} (minimum: {minimum}).", **shown)


def _cofunded(said: Words, raw: Figures, shown: Figures) -> str:
    share, minimum = raw.get("share") or 0, raw.get("minimum") or 0
    if share <= 0 and minimum <= 0:
        return said.gettext("Hosts and partners pay nothing; the city pays {city}.", **shown)
    if share <= 0:
        return said.gettext(
            "Hosts and partners pay nothing (hoped for: at least {minimum}); the city pays {city}.",
            **shown,
        )
    if share < minimum:
        return said.gettext(
            "Only {share} is paid by hosts or partners ({others}; hoped for: at least "
            "{minimum}); the city pays {city}.",
            **shown,
        )
    return said.gettext(
        "{share} is paid by hosts or partners ({others}); the city pays {city}.", **shown
    )


def _delegation(said: Words, raw: Figures, shown: Figures) -> str:
    size = _int(raw.get("size"))
    if size > _int(raw.get("maximum")):
        return said.ngettext(
            "A delegation of {count} person, more than the maximum of {maximum}.",
            "A delegation of {count} people, more than the maximum of {maximum}.",
            size,
            maximum=shown["maximum"],
        )
    return said.ngettext(
        "A delegation of {count} person (maximum: {maximum}).",
        "A delegation of {count} people (maximum: {maximum}).",
        size,
        maximum=shown["maximum"],
    )


def _report_late(said: Words, raw: Figures, shown: Figures) -> str:
    return said.ngettext(
        "Report filed on {filed_on}, {count} day late (due {due}).",
        "Report filed on {filed_on}, {count} days late (due {due}).",
        _int(raw.get("late_days")),
        filed_on=shown["filed_on"],
        due=shown["due"],
    )


def _report_overdue(said: Words, raw: Figures, shown: Figures) -> str:
    return overdue_report(said, _int(raw.get("late_days")), str(shown["due"]))


def _outcomes(said: Words, raw: Figures) -> list[str]:
    """Results by what came of them, each agreeing with its own count; none left out."""
    parts = []
    if yes := _int(raw.get("yes")):
        parts.append(said.ngettext("{count} achieved", "{count} achieved", yes))
    if partly := _int(raw.get("partly")):
        parts.append(said.ngettext("{count} achieved in part", "{count} achieved in part", partly))
    if no := _int(raw.get("no")):
        parts.append(said.ngettext("{count} not achieved", "{count} not achieved", no))
    return parts


def outcome_results(said: Words, join: Callable[[list[str]], str], raw: Figures) -> str:
    """What came of a trip's expected outcomes, for its summary."""
    expected = _int(raw.get("expected"))
    if expected == 0:
        return said.gettext("The report gives results, but the trip named no expected outcome.")
    return said.ngettext(
        "Of {count} expected outcome: {results}.",
        "Of {count} expected outcomes: {results}.",
        expected,
        results=join(_outcomes(said, raw)) or said.gettext("no result reported"),
    )


def _results(join: Callable[[list[str]], str]) -> Sentence:
    def sentence(said: Words, raw: Figures, shown: Figures) -> str:
        if _int(raw.get("expected")) == 0:
            return said.gettext("No expected outcome was named, so none can be reported on.")
        if _int(raw.get("missing")):
            return said.gettext(
                "Expected outcomes without a reported result: {missing} of {expected}.", **shown
            )
        return said.gettext(
            "Every expected outcome has a result: {results}.",
            results=join(_outcomes(said, raw)),
        )

    return sentence


def followup_parts(said: Words, raw: Figures) -> list[str]:
    """Follow-up commitments by state, overdue first; each agrees with its own count."""
    parts = []
    if overdue := _int(raw.get("overdue")):
        parts.append(said.npgettext("follow-ups", "{count} overdue", "{count} overdue", overdue))
    if done := _int(raw.get("done")):
        parts.append(said.npgettext("follow-ups", "{count} done", "{count} done", done))
    if open_ := _int(raw.get("open")):
        parts.append(said.npgettext("follow-ups", "{count} open", "{count} open", open_))
    if dropped := _int(raw.get("dropped")):
        parts.append(said.npgettext("follow-ups", "{count} dropped", "{count} dropped", dropped))
    if not overdue:
        parts.append(said.pgettext("follow-ups", "none overdue"))
    return parts


def _followups(join: Callable[[list[str]], str]) -> Sentence:
    def sentence(said: Words, raw: Figures, shown: Figures) -> str:
        return said.gettext("Follow-ups: {list}.", list=join(followup_parts(said, raw)))

    return sentence


def _latest(said: Words, raw: Figures) -> str:
    """When the latest amendment came, before or after departure; empty when unknown."""
    days = raw.get("latest_days_before")
    if not isinstance(days, int):
        return ""
    if days == 0:
        return said.gettext("the latest on the day of departure")
    if days < 0:
        return said.ngettext(
            "the latest {count} day after departure",
            "the latest {count} days after departure",
            -days,
        )
    return said.ngettext(
        "the latest {count} day before departure", "the latest {count} days before departure", days
    )


def _amendments(said: Words, raw: Figures, shown: Figures) -> str:
    latest = _latest(said, raw)
    if not _int(raw.get("late")):
        if not latest:
            return said.gettext("Amendments since approval: {count}.", count=shown["count"])
        return said.gettext(
            "Amendments since approval: {count}, {latest}.", count=shown["count"], latest=latest
        )
    late = said.ngettext(
        "made late (less than {count} day before departure, or after it): {late}",
        "made late (less than {count} days before departure, or after it): {late}",
        _int(raw.get("minimum")),
        late=shown["late"],
    )
    return said.gettext(
        "Amendments since approval: {count}; {late}; {latest}.",
        count=shown["count"],
        late=late,
        latest=latest or "—",
    )


def sentences(join: Callable[[list[str]], str]) -> dict[str, Sentence]:
    """Each signal message's sentence; ``join`` lists items in the reader's language."""
    return {**_before_departure(), **_cost_and_delegation(), **_after_return(join)}


def _before_departure() -> dict[str, Sentence]:
    """The sentences of what a trip's record says before it departs: notice, agenda, purpose,
    goals and departments."""
    return {
        "notice.pass": _notice_pass,
        "notice.warning": _notice_short,
        "notice.justified": _notice_short,
        "notice.after": _notice_after,
        "agenda.pass": _agenda_pass,
        "agenda.warning": _agenda_warning,
        "purpose.pass": _purpose_pass,
        "purpose.thin": _purpose_thin,
        "purpose.no_outcomes": lambda said, raw, shown: said.gettext(
            "No measurable outcome is stated."
        ),
        "sdg.pass": lambda said, raw, shown: said.gettext("SDG targets named: {list}.", **shown),
        "sdg.warning": lambda said, raw, shown: said.gettext("No SDG target is named."),
        "departments.pass": lambda said, raw, shown: said.gettext(
            "Departments involved: {count}.", count=shown["count"]
        ),
        "departments.warning": _departments_warning,
    }


def _cost_and_delegation() -> dict[str, Sentence]:
    """The sentences of what a trip costs, in money and in emissions, who pays, and how many go."""
    return {
        "cost.pass": lambda said, raw, shown: said.gettext(
            "{per_day} per traveller-day, {ratio} times the city's median of {median}.", **shown
        ),
        "cost.warning": lambda said, raw, shown: said.gettext(
            "{per_day} per traveller-day, {ratio} times the city's median of {median} "
            "(above {maximum} times).",
            **shown,
        ),
        "cost.alone": lambda said, raw, shown: said.gettext(
            "{per_day} per traveller-day; there are no other trips to compare it with yet.",
            **shown,
        ),
        "emissions.pass": lambda said, raw, shown: said.gettext(
            "Estimated flight emissions: {kg_per_day} kg CO₂e per traveller-day, {ratio} times "
            "the city's median of {median_kg} kg.",
            **shown,
        ),
        "emissions.warning": lambda said, raw, shown: said.gettext(
            "Estimated flight emissions: {kg_per_day} kg CO₂e per traveller-day, {ratio} times "
            "the city's median of {median_kg} kg (above {maximum} times): a long way to fly for "
            "the days spent.",
            **shown,
        ),
        "emissions.alone": lambda said, raw, shown: said.gettext(
            "Estimated flight emissions: {kg_per_day} kg CO₂e per traveller-day; there are no "
            "other trips to compare them with yet.",
            **shown,
        ),
        "cofunded.pass": _cofunded,
        "cofunded.warning": _cofunded,
        "delegation.pass": _delegation,
        "delegation.warning": _delegation,
    }


def _after_return(join: Callable[[list[str]], str]) -> dict[str, Sentence]:
    """The sentences of what came after approval: the report, its results, the follow-ups and
    the amendments."""
    return {
        "report.on_time": lambda said, raw, shown: said.gettext(
            "Report filed on {filed_on}, on time (due {due}).", **shown
        ),
        "report.late": _report_late,
        "report.overdue": _report_overdue,
        "report.pending": lambda said, raw, shown: said.gettext(
            "The report is due on {due}.", **shown
        ),
        "results.pass": _results(join),
        "results.warning": _results(join),
        "followups.pass": _followups(join),
        "followups.warning": _followups(join),
        "followups.none": lambda said, raw, shown: said.gettext(
            "The report records no follow-up commitment."
        ),
        "amendments.none": lambda said, raw, shown: said.gettext("No amendment since approval."),
        "amendments.pass": _amendments,
        "amendments.warning": _amendments,
    }
