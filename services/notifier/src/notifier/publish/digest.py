"""Digests: what a month or a year of the ledger says, for the city newsletter.

A digest counts the entries the ledger logged in its period (trips disclosed,
cancelled, reported, follow-ups kept) and lists the trips that departed in it
with what they cost and who paid, each linked to its page. The words come in
the reader's language with each count in its grammatical form; the page prints
as it reads; each kind of digest (monthly, yearly) has its own feeds.
"""

import re
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlmodel import Session

from notifier.i18n.locale import Formats
from notifier.i18n.words import Words, words
from notifier.publish import present, repository
from notifier.publish.models import TripView, amount
from periplus.public import FollowupStatus

PERIOD = re.compile(r"^(?P<year>\d{4})(?:-(?P<month>0[1-9]|1[0-2]))?$")


@dataclass(frozen=True)
class Period:
    year: int
    month: int | None = None

    @classmethod
    def parse(cls, value: str) -> "Period | None":
        found = PERIOD.match(value)
        if found is None:
            return None
        month = found["month"]
        return cls(int(found["year"]), int(month) if month else None)

    @property
    def key(self) -> str:
        return f"{self.year}-{self.month:02d}" if self.month else str(self.year)

    def name(self, lang: str) -> str:
        if self.month is None:
            return str(self.year)
        return Formats(lang).month(date(self.year, self.month, 1))

    def before(self) -> "Period":
        if self.month is None:
            return Period(self.year - 1)
        return Period(self.year - 1, 12) if self.month == 1 else Period(self.year, self.month - 1)

    def after(self) -> "Period":
        if self.month is None:
            return Period(self.year + 1)
        return Period(self.year + 1, 1) if self.month == 12 else Period(self.year, self.month + 1)


@dataclass
class Departure:
    trip_id: str
    reference: str
    title: str
    departure: str
    places: str
    cost: str
    others: str


@dataclass
class Digest:
    period: Period
    lines: list[str]
    departures: list[Departure] = field(default_factory=list)
    last_index: int = -1  # the newest entry it counts: the feed item's date and the ETag


def build(session: Session, period: Period, lang: str) -> Digest:
    """The digest of ``period`` in ``lang``, read in one pass over its entries and trips."""
    fmt = Formats(lang)
    prefix = period.key
    entries = repository.entries_in(session, prefix)
    kinds = Counter(kind for kind, _, _ in entries)
    kept = _kept(entries)
    departures, totals, others_total = _departures(repository.departing_in(session, prefix), fmt)
    said = words(lang)
    lines = _counts(said, kinds, len(departures), kept) + _spending(said, fmt, totals, others_total)
    newest = max((index for _, _, index in entries), default=-1)
    return Digest(period, [line for line in lines if line], departures, newest)


def _kept(entries: Sequence[tuple[str, Mapping[str, Any], int]]) -> int:
    """How many follow-up commitments the period's entries marked done."""
    return sum(
        1
        for kind, event, _ in entries
        if kind == "followup.updated"
        and ((event.get("data") or {}).get("followup") or {}).get("status") == FollowupStatus.DONE
    )


def _departures(
    views: Sequence[TripView], fmt: Formats
) -> tuple[list[Departure], dict[str, Decimal], dict[str, Decimal]]:
    """The trips that departed and were not cancelled, with what they cost per currency.

    Beside the departures come two sums per currency: the whole budgets, and what hosts
    and partners paid of them; a trip adds only the figures it gives.
    """
    departures: list[Departure] = []
    totals: defaultdict[str, Decimal] = defaultdict(Decimal)
    others_total: defaultdict[str, Decimal] = defaultdict(Decimal)
    for view in views:
        state = view.state
        if state.cancelled is not None:
            continue
        trip, cost, others = state.trip, "", ""
        if trip is not None:
            currency = trip.budget_total.currency
            total, city = amount(trip.budget_total), amount(trip.city_share)
            if total is not None:
                totals[currency] += total
                cost = fmt.money(trip.budget_total)
            if total is not None and city is not None:
                others_total[currency] += total - city
                others = fmt.amount(total - city, currency)
        departures.append(
            Departure(
                trip_id=view.trip_id,
                reference=view.reference,
                title=view.title,
                departure=fmt.date(
                    trip.departure_date if trip is not None else view.departure_date
                ),
                places=present.places(trip, fmt),
                cost=cost,
                others=others,
            )
        )
    return departures, totals, others_total


def _spending(
    said: Words, fmt: Formats, totals: dict[str, Decimal], others_total: dict[str, Decimal]
) -> list[str]:
    """One line per currency: what the trips that began cost and who paid for them."""
    lines: list[str] = []
    for currency, spent in sorted(totals.items()):
        cost = fmt.amount(spent, currency)
        paid = others_total.get(currency, Decimal(0))
        if paid <= 0:
            lines.append(
                said.gettext("The trips that began cost {total}, all paid by the city.", total=cost)
            )
            continue
        lines.append(
            said.gettext(
                "The trips that began cost {total}; hosts and partners paid {others} of it.",
                total=cost,
                others=fmt.amount(paid, currency),
            )
        )
    return lines


def _counts(said: Words, kinds: Counter[str], departed: int, kept: int) -> list[str]:
    """How many of each kind of entry the period logged; a kind with none says so or is left out."""
    disclosed, cancelled = kinds.get("trip.approved", 0), kinds.get("trip.cancelled", 0)
    reported, amended = kinds.get("trip.reported", 0), kinds.get("trip.amended", 0)
    return [
        said.ngettext(
            "{count} trip was disclosed before departure.",
            "{count} trips were disclosed before departure.",
            disclosed,
        )
        if disclosed
        else said.gettext("No trip was disclosed."),
        said.ngettext("{count} trip was cancelled.", "{count} trips were cancelled.", cancelled)
        if cancelled
        else "",
        said.ngettext(
            "{count} report on what a trip achieved was filed.",
            "{count} reports on what trips achieved were filed.",
            reported,
        )
        if reported
        else said.gettext("No report was filed."),
        said.ngettext(
            "{count} approved trip was changed, with its reasons.",
            "{count} approved trips were changed, with their reasons.",
            amended,
        )
        if amended
        else "",
        said.ngettext("{count} trip abroad began:", "{count} trips abroad began:", departed)
        if departed
        else said.gettext("No official left on a trip abroad."),
        said.ngettext(
            "{count} follow-up commitment was kept.",
            "{count} follow-up commitments were kept.",
            kept,
        )
        if kept
        else "",
    ]


def recent(session: Session, monthly: bool, count: int = 12) -> list[Period]:
    """The newest periods in which the ledger logged anything, newest first."""
    keys = repository.periods(session, 7 if monthly else 4, count)
    return [p for p in (Period.parse(k) for k in keys) if p is not None]
