"""The year's figures as cards: a number, the words that agree with it, the trips behind it."""

from dataclasses import dataclass, field
from decimal import Decimal
from urllib.parse import urlencode

from notifier.checklist.rules import Rules
from notifier.i18n.locale import Formats
from notifier.i18n.words import Words, words
from notifier.publish.yearbook import Year, Yearbook


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
    fmt, said, y = Formats(lang), words(lang), book.year(year)
    n = fmt.number
    trips, travellers = len(y.trips), y.travellers
    found = [
        Card(
            "trips",
            n(trips),
            # Translators: the label under a large number, which is shown apart.
            said.ngettext("trip abroad", "trips abroad", trips),
            _figure(lang, year, "trips"),
            _details(
                Detail(
                    said.ngettext("to {count} country", "to {count} countries", len(y.countries))
                    if y.countries
                    else ""
                ),
                Detail(
                    said.ngettext(
                        "{count} more cancelled", "{count} more cancelled", len(y.cancelled)
                    )
                    if y.cancelled
                    else "",
                    _figure(lang, year, "cancelled"),
                ),
            ),
        ),
        Card(
            "travellers",
            n(travellers),
            said.ngettext("traveller", "travellers", travellers),
            _figure(lang, year, "trips"),
            _details(Detail(_elected(said, y.elected) if travellers else "")),
        ),
    ]
    found.extend(_money_cards(y, lang, year, fmt))
    found += [
        Card(
            "days",
            n(y.days),
            said.ngettext("day abroad", "days abroad", y.days),
            _figure(lang, year, "trips"),
            _details(
                Detail(
                    said.ngettext("{count} traveller-day", "{count} traveller-days", y.person_days)
                    if y.person_days
                    else ""
                )
            ),
        ),
        _outcomes_card(y, said, lang, year),
        _reports_card(y, said, lang, year),
        _followups_card(y, said, lang, year),
        _notice_card(y, lang, year),
    ]
    return found


def _elected(said: Words, elected: int) -> str:
    if not elected:
        return said.gettext("no elected official among them")
    return said.ngettext(
        "{count} of them an elected official", "{count} of them elected officials", elected
    )


def _outcomes_card(y: Year, said: Words, lang: str, year: int) -> Card:
    achieved, partly = y.outcomes["yes"], y.outcomes["partly"]
    if y.expected:
        expected = said.ngettext(
            "of {count} expected in the reports filed",
            "of {count} expected in the reports filed",
            y.expected,
        )
    else:
        expected = said.gettext("no report filed yet")
    return Card(
        "outcomes",
        Formats(lang).number(achieved),
        said.ngettext("expected outcome achieved", "expected outcomes achieved", achieved),
        _figure(lang, year, "outcomes"),
        _details(
            Detail(expected),
            Detail(
                said.ngettext("{count} more in part", "{count} more in part", partly)
                if y.expected and partly
                else ""
            ),
        ),
    )


def _reports_card(y: Year, said: Words, lang: str, year: int) -> Card:
    filed, late, overdue = len(y.reported), len(y.filed_late), len(y.overdue)
    if filed:
        filed_text = said.ngettext("{count} report filed", "{count} reports filed", filed)
        late_text = (
            said.ngettext("{count} of them late", "{count} of them late", late)
            if late
            else said.gettext("none late")
        )
    else:
        filed_text, late_text = said.gettext("no report filed yet"), ""
    return Card(
        "overdue",
        Formats(lang).number(overdue),
        said.ngettext("report overdue", "reports overdue", overdue),
        _figure(lang, year, "overdue"),
        _details(Detail(filed_text), Detail(late_text)),
    )


def _followups_card(y: Year, said: Words, lang: str, year: int) -> Card:
    made, overdue = y.commitments, y.commitments_overdue
    if made:
        made_text = said.ngettext("of {count} made", "of {count} made", made)
        overdue_text = (
            said.npgettext("follow-ups", "{count} overdue", "{count} overdue", overdue)
            if overdue
            else said.pgettext("follow-ups", "none overdue")
        )
    else:
        made_text, overdue_text = said.gettext("no commitment made yet"), ""
    return Card(
        "followups",
        Formats(lang).number(y.kept),
        said.ngettext("follow-up commitment kept", "follow-up commitments kept", y.kept),
        _figure(lang, year, "followups"),
        _details(Detail(made_text), Detail(overdue_text)),
    )


def _money_cards(y: Year, lang: str, year: int, fmt: Formats) -> list[Card]:
    said = words(lang)
    if not y.costed:
        none = [Detail(said.gettext("no cost published yet"))]
        return [
            Card("cost", "—", said.gettext("total cost"), _figure(lang, year, "cost"), none),
            Card(
                "cofunded",
                "—",
                said.gettext("paid by hosts and partners"),
                _figure(lang, year, "cofunded"),
            ),
        ]
    others = {c: y.others(c) for c in y.cost}
    budgeted = len(y.budgeted)
    cost = Card(
        "cost",
        _money(fmt, y.cost),
        said.gettext("total cost"),
        _figure(lang, year, "cost"),
        _details(
            Detail(said.gettext("the city's share: {city}", city=_money(fmt, y.city))),
            Detail(
                said.ngettext(
                    "the budget for {count} trip not yet completed",
                    "budgets for {count} trips not yet completed",
                    budgeted,
                )
                if budgeted
                else said.gettext("actual costs of every trip")
            ),
        ),
    )
    total = sum(y.cost.values(), Decimal(0))
    share = float(sum(others.values(), Decimal(0)) / total) if total > 0 else 0.0
    if share > 0:
        detail = said.gettext(
            "{others} of {total}", others=_money(fmt, others), total=_money(fmt, y.cost)
        )
    else:
        detail = said.gettext("the city pays for everything")
    cofunded = Card(
        "cofunded",
        fmt.percent(share),
        said.gettext("paid by hosts and partners"),
        _figure(lang, year, "cofunded"),
        [Detail(detail)],
    )
    return [cost, cofunded]


def _notice_card(y: Year, lang: str, year: int) -> Card:
    fmt, said, middle = Formats(lang), words(lang), y.median_notice()
    href = _figure(lang, year, "notice")
    short = len(y.short_notice)
    if short:
        details = [
            Detail(
                said.ngettext(
                    "{count} trip disclosed with less than the minimum notice",
                    "{count} trips disclosed with less than the minimum notice",
                    short,
                ),
                _figure(lang, year, "short_notice"),
            )
        ]
    else:
        details = [Detail(said.gettext("no trip disclosed with less than the minimum notice"))]
    if middle is None:
        return Card("notice", "—", said.gettext("no disclosure date known"), href)
    days = round(middle)
    if days >= 0:
        label = said.ngettext(
            "day of notice before departure, the median",
            "days of notice before departure, the median",
            days,
        )
    else:
        label = said.ngettext(
            "day after departure: when the median trip was disclosed",
            "days after departure: when the median trip was disclosed",
            -days,
        )
    return Card("notice", fmt.number(abs(days)), label, href, details)
