"""The home page's story: a year's figures as sentences, and charts over the years.

Everything here reads a ``Yearbook`` (counted once per change of the read model)
and only puts it into the reader's words, so a page in any language costs the
same. Each figure links to the trips behind it (``?figure=``), and each of those
to the ledger entry its part of the figure comes from.
"""

from collections.abc import Callable
from datetime import date
from statistics import median

from babel.dates import format_date
from babel.numbers import format_compact_currency, format_compact_decimal

from notifier.checklist.rules import Rules
from notifier.i18n.locale import Formats
from notifier.i18n.vocabulary import ACHIEVED, CHART_PAYER, FIGURE
from notifier.i18n.words import words
from notifier.publish import charts
from notifier.publish.figure_cards import Card, cards, link
from notifier.publish.yearbook import OUTCOMES, PAYERS, Year, Yearbook

FIGURES: dict[str, Callable[[Year], set[str]]] = {
    "trips": lambda y: y.trips,
    "cost": lambda y: y.costed,
    "cofunded": lambda y: y.cofunded,
    "outcomes": lambda y: y.reported,
    "overdue": lambda y: y.overdue,
    "followups": lambda y: y.followed,
    "notice": lambda y: y.noticed,
    "short_notice": lambda y: y.short_notice,
    "cancelled": lambda y: y.cancelled,
}
"""The trips behind each figure of a year."""

ENTRIES: dict[str, tuple[str, ...]] = {
    "trips": ("trip.approved",),
    "cost": ("trip.completed", "trip.approved", "trip.amended", "trip.corrected"),
    "cofunded": ("trip.completed", "trip.approved", "trip.amended", "trip.corrected"),
    "outcomes": ("trip.reported",),
    "overdue": ("trip.approved", "trip.amended", "trip.corrected"),
    "followups": ("followup.updated", "trip.reported"),
    "notice": ("trip.approved",),
    "short_notice": ("trip.approved",),
    "cancelled": ("trip.cancelled",),
}
"""The kinds of ledger entry a figure's part of each trip comes from; the newest is linked."""

TOP = 12
"""Bars in a chart of the year's trips by department or goal: the most travelled."""


def story(
    book: Yearbook, year: int, lang: str, rules: Rules
) -> tuple[list[Card], list[charts.Chart]]:
    """The year's cards and the charts, put in words once per yearbook, year and language."""
    key = (year, lang)
    found: tuple[list[Card], list[charts.Chart]] | None = book.shown.get(key)
    if found is None:
        found = book.shown.setdefault(
            key, (cards(book, year, lang, rules), graphs(book, year, lang, rules))
        )
    return found


def figure_name(figure: str, lang: str) -> str:
    return words(lang).coded(FIGURE, figure)


def _quarter(year: int, quarter: int, lang: str) -> str:
    return str(format_date(date(year, quarter * 3 - 2, 1), "QQQ y", locale=Formats(lang).locale))


def graphs(book: Yearbook, year: int, lang: str, rules: Rules) -> list[charts.Chart]:
    """The charts: the year's trips by department and goal, and three over the years."""
    fmt, said, y = Formats(lang), words(lang), book.year(year)
    found = []
    departments = sorted(y.departments.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    found.append(
        charts.bars(
            "chart-departments",
            words(lang).gettext("Trips in {year} by department", year=year),
            [d for d, _ in departments],
            [float(c) for _, c in departments],
            [said.ngettext("{count} trip", "{count} trips", c) for _, c in departments],
            [link(lang, year, department=d) + "#trips" for d, _ in departments],
            (words(lang).gettext("Department"), words(lang).gettext("Trips")),
        )
    )
    goals = sorted(y.goals.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    found.append(
        charts.bars(
            "chart-goals",
            words(lang).gettext("Trips in {year} by SDG goal", year=year),
            [f"{g} · {fmt.goal(g)}" for g, _ in goals],
            [float(c) for _, c in goals],
            [said.ngettext("{count} trip", "{count} trips", c) for _, c in goals],
            [link(lang, year, sdg=g) + "#trips" for g, _ in goals],
            (words(lang).gettext("SDG goal"), words(lang).gettext("Trips")),
        )
    )
    years = sorted(book.years)
    found.append(_cost_chart(book, years, lang))
    found.append(_outcome_chart(book, years, lang))
    found.append(_notice_chart(book, lang, rules))
    return found


def _outcome_chart(book: Yearbook, years: list[int], lang: str) -> charts.Chart:
    """Expected outcomes and what came of them, stacked per year of departure."""
    fmt, said = Formats(lang), words(lang)
    return charts.stacked(
        "chart-outcomes",
        words(lang).gettext("Expected outcomes and what came of them, by year of departure"),
        [str(v) for v in years],
        [
            (
                said.coded(ACHIEVED, k),
                [float(book.year(v).outcomes[k]) for v in years],
            )
            for k in OUTCOMES
        ],
        tick=lambda v: fmt.number(round(v)),
        shown=lambda v: fmt.number(round(v)),
        total_label=words(lang).gettext("Total"),
        first=words(lang).gettext("Year"),
    )


def _notice_chart(book: Yearbook, lang: str, rules: Rules) -> charts.Chart:
    """The median notice per quarter, against the checklist's minimum."""
    fmt, said = Formats(lang), words(lang)
    quarters = sorted(book.quarters)
    medians: list[float | None] = [float(median(book.quarters[q])) for q in quarters]
    minimum = rules.min_notice_days
    return charts.line(
        "chart-notice",
        words(lang).gettext("Days of notice before departure, the median per quarter"),
        [_quarter(q[0], q[1], lang) for q in quarters],
        medians,
        shown=lambda v: fmt.number(round(v)),
        reference=(
            float(minimum),
            words(lang).gettext(
                "minimum asked: {days}",
                days=said.ngettext("{count} day", "{count} days", minimum),
            ),
        ),
        columns=(words(lang).gettext("Quarter"), words(lang).gettext("Median days of notice")),
    )


def _cost_chart(book: Yearbook, years: list[int], lang: str) -> charts.Chart:
    fmt, currency = Formats(lang), book.currency
    paid = {v: book.year(v).payers.get(currency) or {} for v in years}
    present = [p for p in PAYERS if any(paid[v].get(p) for v in years)]
    series = [
        (
            words(lang).coded(CHART_PAYER, p),
            [float(paid[v].get(p, 0)) for v in years],
        )
        for p in present
    ]

    def compact(value: float) -> str:
        if not currency:
            return str(format_compact_decimal(value, locale=fmt.locale, fraction_digits=1))
        return str(format_compact_currency(value, currency, locale=fmt.locale, fraction_digits=1))

    def exact(value: float) -> str:
        return fmt.whole(value, currency)

    chart = charts.stacked(
        "chart-cost",
        words(lang).gettext("Cost per year, by who pays ({currency})", currency=currency),
        [str(v) for v in years],
        series,
        tick=compact,
        shown=compact,
        total_label=words(lang).gettext("Total"),
        exact=exact,
        first=words(lang).gettext("Year"),
    )
    return charts.Chart(
        chart.key,
        chart.title,
        chart.svg,
        chart.columns,
        chart.rows,
        words(lang).gettext(
            "Actual costs where a trip is completed, else its budget. Trips in "
            "another currency are left out of this chart."
        ),
    )
