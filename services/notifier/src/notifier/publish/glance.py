"""The home page's story: a year's figures as sentences, and charts over the years.

Everything here reads a ``Yearbook`` (counted once per change of the read model)
and only puts it into the reader's words, so a page in any language costs the
same. Each figure links to the trips behind it (``?figure=``), and each of those
to the ledger entry its part of the figure comes from.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from statistics import median
from urllib.parse import urlencode

from babel.dates import format_date
from babel.numbers import format_compact_currency, format_compact_decimal

from notifier.checklist.rules import Rules
from notifier.i18n.counts import counted
from notifier.i18n.locale import Formats
from notifier.i18n.messages import text
from notifier.publish import charts
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


@dataclass(frozen=True)
class Detail:
    """A sentence under a figure, linked when it names trips of its own."""

    text: str
    href: str | None = None


@dataclass(frozen=True)
class Card:
    """One figure: its value, the words that go with it, and the trips behind it."""

    key: str
    value: str
    label: str
    href: str
    details: list[Detail] = field(default_factory=list)


def link(lang: str, year: int, **query: str | int) -> str:
    return "/?" + urlencode({"lang": lang, "year": year, **query})


def _figure(lang: str, year: int, figure: str) -> str:
    return link(lang, year, figure=figure) + "#trips"


def _details(*found: Detail) -> list[Detail]:
    return [d for d in found if d.text]


def _money(fmt: Formats, amounts: dict[str, Decimal]) -> str:
    return fmt.join([fmt.whole(float(v), c) for c, v in sorted(amounts.items()) if v]) or "—"


def cards(book: Yearbook, year: int, lang: str, rules: Rules) -> list[Card]:
    """The year's figures, in reading order."""
    fmt, y = Formats(lang), book.year(year)
    n = fmt.number

    def say(key: str, count: int) -> str:
        return counted(lang, key, count, n(count))

    trips = len(y.trips)
    found = [
        Card(
            "trips",
            n(trips),
            say("glance.trips", trips),
            _figure(lang, year, "trips"),
            _details(
                Detail(say("glance.countries", len(y.countries))),
                Detail(say("glance.cancelled", len(y.cancelled)), _figure(lang, year, "cancelled")),
            ),
        ),
        Card(
            "travellers",
            n(y.travellers),
            say("glance.travellers", y.travellers),
            _figure(lang, year, "trips"),
            _details(Detail(say("glance.elected", y.elected)) if y.travellers else Detail("")),
        ),
    ]
    found.extend(_money_cards(y, lang, year, fmt))
    achieved, partly = y.outcomes["yes"], y.outcomes["partly"]
    filed = len(y.reported)
    found += [
        Card(
            "days",
            n(y.days),
            say("glance.days", y.days),
            _figure(lang, year, "trips"),
            _details(Detail(say("glance.person_days", y.person_days))),
        ),
        Card(
            "outcomes",
            n(achieved),
            say("glance.achieved", achieved),
            _figure(lang, year, "outcomes"),
            _details(
                Detail(say("glance.expected", y.expected)),
                Detail(say("glance.partly", partly) if y.expected else ""),
            ),
        ),
        Card(
            "overdue",
            n(len(y.overdue)),
            say("glance.overdue", len(y.overdue)),
            _figure(lang, year, "overdue"),
            _details(
                Detail(say("glance.filed", filed)),
                Detail(say("glance.filed_late", len(y.filed_late)) if filed else ""),
            ),
        ),
        Card(
            "followups",
            n(y.kept),
            say("glance.kept", y.kept),
            _figure(lang, year, "followups"),
            _details(
                Detail(say("glance.commitments", y.commitments)),
                Detail(
                    say("glance.commitments_overdue", y.commitments_overdue)
                    if y.commitments
                    else ""
                ),
            ),
        ),
        _notice_card(y, lang, year),
    ]
    return found


def _money_cards(y: Year, lang: str, year: int, fmt: Formats) -> list[Card]:
    if not y.costed:
        none = [Detail(text(lang, "glance.no_cost"))]
        return [
            Card("cost", "—", text(lang, "glance.cost"), _figure(lang, year, "cost"), none),
            Card("cofunded", "—", text(lang, "glance.cofunded"), _figure(lang, year, "cofunded")),
        ]
    others = {c: y.others(c) for c in y.cost}
    cost = Card(
        "cost",
        _money(fmt, y.cost),
        text(lang, "glance.cost"),
        _figure(lang, year, "cost"),
        _details(
            Detail(text(lang, "glance.city_share", city=_money(fmt, y.city))),
            Detail(counted(lang, "glance.budgeted", len(y.budgeted), fmt.number(len(y.budgeted)))),
        ),
    )
    total = sum(y.cost.values(), Decimal(0))
    share = float(sum(others.values(), Decimal(0)) / total) if total > 0 else 0.0
    if share > 0:
        detail = text(
            lang, "glance.cofunded_of", others=_money(fmt, others), total=_money(fmt, y.cost)
        )
    else:
        detail = text(lang, "glance.city_all")
    cofunded = Card(
        "cofunded",
        fmt.percent(share),
        text(lang, "glance.cofunded"),
        _figure(lang, year, "cofunded"),
        [Detail(detail)],
    )
    return [cost, cofunded]


def _notice_card(y: Year, lang: str, year: int) -> Card:
    fmt, middle = Formats(lang), y.median_notice()
    href = _figure(lang, year, "notice")
    short = len(y.short_notice)
    details = [Detail(counted(lang, "glance.short_notice", short, fmt.number(short)))]
    if short:
        details[0] = Detail(details[0].text, _figure(lang, year, "short_notice"))
    if middle is None:
        return Card("notice", "—", text(lang, "glance.no_notice"), href)
    days = round(middle)
    key = "glance.notice" if days >= 0 else "glance.notice_after"
    return Card(
        "notice",
        fmt.number(abs(days)),
        counted(lang, key, abs(days), fmt.number(abs(days))),
        href,
        details,
    )


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
    return text(lang, f"figure.{figure}")


def _quarter(year: int, quarter: int, lang: str) -> str:
    return str(format_date(date(year, quarter * 3 - 2, 1), "QQQ y", locale=Formats(lang).locale))


def graphs(book: Yearbook, year: int, lang: str, rules: Rules) -> list[charts.Chart]:
    """The charts: the year's trips by department and goal, and three over the years."""
    fmt, y = Formats(lang), book.year(year)
    found = []
    departments = sorted(y.departments.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    found.append(
        charts.bars(
            "chart-departments",
            text(lang, "chart.departments", year=year),
            [d for d, _ in departments],
            [float(c) for _, c in departments],
            [counted(lang, "chart.trips", c, fmt.number(c)) for _, c in departments],
            [link(lang, year, department=d) + "#trips" for d, _ in departments],
            (text(lang, "filter.department"), text(lang, "col.trips")),
        )
    )
    goals = sorted(y.goals.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP]
    found.append(
        charts.bars(
            "chart-goals",
            text(lang, "chart.goals", year=year),
            [f"{g} · {fmt.goal(g)}" for g, _ in goals],
            [float(c) for _, c in goals],
            [counted(lang, "chart.trips", c, fmt.number(c)) for _, c in goals],
            [link(lang, year, sdg=g) + "#trips" for g, _ in goals],
            (text(lang, "filter.sdg"), text(lang, "col.trips")),
        )
    )
    years = sorted(book.years)
    found.append(_cost_chart(book, years, lang))
    found.append(
        charts.stacked(
            "chart-outcomes",
            text(lang, "chart.outcomes"),
            [str(v) for v in years],
            [
                (
                    text(lang, f"achieved.{k}" if k != "missing" else "chart.no_result"),
                    [float(book.year(v).outcomes[k]) for v in years],
                )
                for k in OUTCOMES
            ],
            tick=lambda v: fmt.number(round(v)),
            shown=lambda v: fmt.number(round(v)),
            total_label=text(lang, "col.total"),
            first=text(lang, "col.year"),
        )
    )
    quarters = sorted(book.quarters)
    medians: list[float | None] = [float(median(book.quarters[q])) for q in quarters]
    minimum = rules.min_notice_days
    found.append(
        charts.line(
            "chart-notice",
            text(lang, "chart.notice"),
            [_quarter(q[0], q[1], lang) for q in quarters],
            medians,
            shown=lambda v: fmt.number(round(v)),
            reference=(
                float(minimum),
                text(
                    lang,
                    "chart.minimum",
                    days=counted(lang, "chart.days", minimum, fmt.number(minimum)),
                ),
            ),
            columns=(text(lang, "col.quarter"), text(lang, "col.median_notice")),
        )
    )
    return found


def _cost_chart(book: Yearbook, years: list[int], lang: str) -> charts.Chart:
    fmt, currency = Formats(lang), book.currency
    paid = {v: book.year(v).payers.get(currency) or {} for v in years}
    present = [p for p in PAYERS if any(paid[v].get(p) for v in years)]
    series = [
        (
            text(lang, f"chart.payer.{p}"),
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
        text(lang, "chart.cost", currency=currency),
        [str(v) for v in years],
        series,
        tick=compact,
        shown=compact,
        total_label=text(lang, "col.total"),
        exact=exact,
        first=text(lang, "col.year"),
    )
    return charts.Chart(
        chart.key, chart.title, chart.svg, chart.columns, chart.rows, text(lang, "chart.cost_note")
    )
