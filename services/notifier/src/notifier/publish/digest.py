"""Digests: what a month or a year of the ledger says, for the city newsletter.

A digest counts the entries the ledger logged in its period (trips disclosed,
cancelled, reported, follow-ups kept) and lists the trips that departed in it
with what they cost and who paid, each linked to its page. The words come in
the reader's language with each count in its grammatical form; the page prints
as it reads; each kind of digest (monthly, yearly) has its own feeds.
"""

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import desc
from sqlmodel import Session, col, func, select

from notifier.i18n.locale import Formats
from notifier.i18n.words import Words, words
from notifier.models import LoggedEntry, TripView

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


def _money(value: Any) -> tuple[Decimal, str] | None:
    if isinstance(value, dict) and value.get("amount") is not None:
        return Decimal(str(value["amount"])), str(value.get("currency") or "")
    return None


def build(session: Session, period: Period, lang: str) -> Digest:
    """The digest of ``period`` in ``lang``, read in one pass over its entries and trips."""
    fmt = Formats(lang)
    prefix = period.key
    entries = session.exec(
        select(LoggedEntry.type, LoggedEntry.event, LoggedEntry.index).where(
            col(LoggedEntry.occurred_at).startswith(prefix)
        )
    ).all()
    kinds = Counter(kind for kind, _, _ in entries)
    kept = sum(
        1
        for kind, event, _ in entries
        if kind == "followup.updated"
        and ((event.get("data") or {}).get("followup") or {}).get("status") == "done"
    )
    views = session.exec(
        select(TripView)
        .where(col(TripView.departure_date).startswith(prefix))
        .order_by(col(TripView.departure_date), col(TripView.trip_id))
    ).all()
    departures, totals, others_total = [], Counter[str](), Counter[str]()
    for view in views:
        trip = view.data.get("trip") or {}
        if view.data.get("cancelled"):
            continue
        total, city = _money(trip.get("budget_total")), _money(trip.get("city_share"))
        others = (total[0] - city[0], total[1]) if total and city else None
        if total:
            totals[total[1]] += total[0]  # type: ignore[assignment]
        if others:
            others_total[others[1]] += others[0]  # type: ignore[assignment]
        legs = [leg for leg in trip.get("itinerary") or [] if isinstance(leg, dict)]
        departures.append(
            Departure(
                trip_id=view.trip_id,
                reference=view.reference,
                title=view.title,
                departure=fmt.date(trip.get("departure_date")),
                places=fmt.join(
                    [f"{leg.get('city')} ({fmt.country(str(leg.get('country')))})" for leg in legs]
                ),
                cost=fmt.money(trip.get("budget_total")),
                others=fmt.money({"amount": others[0], "currency": others[1]}) if others else "",
            )
        )
    lines = _counts(words(lang), kinds, len(departures), kept)
    for currency, amount in sorted(totals.items()):
        cost = fmt.money({"amount": amount, "currency": currency})
        paid = others_total.get(currency, Decimal(0))
        if paid <= 0:
            lines.append(
                words(lang).gettext(
                    "The trips that began cost {total}, all paid by the city.", total=cost
                )
            )
            continue
        lines.append(
            words(lang).gettext(
                "The trips that began cost {total}; hosts and partners paid {others} of it.",
                total=cost,
                others=fmt.money({"amount": paid, "currency": currency}),
            )
        )
    newest = max((index for _, _, index in entries), default=-1)
    return Digest(period, [line for line in lines if line], departures, newest)


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
    period = func.substr(LoggedEntry.occurred_at, 1, 7 if monthly else 4).label("period")
    keys = session.exec(select(period).group_by(period).order_by(desc("period")).limit(count)).all()
    return [p for p in (Period.parse(str(k)) for k in keys) if p is not None]
