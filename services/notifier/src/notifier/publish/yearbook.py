"""The figures of each year, counted from the read model and kept up to date as it changes.

A trip belongs to the year of its departure. Each figure keeps the ids of the
trips behind it, so the home page can link a figure to exactly those trips. The
rules (what is overdue, late or short notice) are the checklist's own signals.

What each trip adds (a ``Part``) is kept: when entries arrive, only the trips
they changed are read again, and each one's old part is taken from the sums and
its new one added (``tally.Tally``), so an update costs what changed, not every
trip. The yearbook a request got is never changed: the next is made beside it.
The ingestor brings the cache up to date as soon as it has shown entries and
the read model has caught up with the ledger (``Cache.follow``); a request
brings it up to date otherwise (a replica that does not ingest, a catch-up far
behind). A new day counts everything afresh, since what is overdue depends on
the date.
"""

import threading
from collections.abc import Iterable
from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session

from notifier.checklist.rules import Rules
from notifier.checklist.signals import (
    cost_basis,
    cost_per_traveller_day,
    followups,
    involved,
    notice,
    report_on_time,
    results,
)
from notifier.emissions import footprint
from notifier.emissions.gazetteer import Place
from notifier.publish import repository
from notifier.publish.models import TripState, amount, trip_days
from notifier.publish.tally import Part, Tally, Year, Yearbook
from periplus import db
from periplus.public import TripStatus

__all__ = ["OUTCOMES", "PAYERS", "Cache", "Part", "Year", "Yearbook", "build", "part"]

PAYERS = ("city", "host", "national_government", "external_grant", "other")
OUTCOMES = ("yes", "partly", "no", "missing")


def part(
    trip_id: str,
    status: str,
    state: TripState,
    today: date,
    rules: Rules,
    home: Place | None = None,
) -> Part | None:
    """What the trip adds to its year, or None if its record does not validate."""
    trip = state.trip
    if trip is None:
        return None
    found = Part(trip_id, trip.departure_date.year)
    if status == TripStatus.CANCELLED or state.cancelled is not None:
        return replace(found, cancelled=True)
    signal = notice(trip, rules)
    report = report_on_time(state, today)
    outcome = results(state)
    kept = followups(state, today, rules)
    flown = footprint.of_trip(trip, home)
    return replace(
        found,
        countries=frozenset(leg.country for leg in trip.itinerary),
        stops=frozenset(
            (leg.country.upper(), leg.city.strip())
            for leg in trip.itinerary
            if leg.country and leg.city
        ),
        travellers=max(trip.delegation_size, 0),
        elected=sum(1 for p in trip.travellers if p.elected),
        days=trip_days(trip) or 0,
        departments=frozenset(involved(trip)),
        goals=frozenset(g for g in trip.sdg_goals if g >= 0),
        notice=int(signal.figures["days"]),
        short_notice=signal.status == "warning",
        quarter=(trip.departure_date.month - 1) // 3 + 1,
        overdue=report is not None and report.message == "report.overdue",
        filed_late=report is not None and report.message == "report.late",
        reported=outcome is not None,
        expected=int(outcome.figures["expected"]) if outcome is not None else 0,
        outcomes=tuple((k, int(outcome.figures[k])) for k in OUTCOMES) if outcome else (),
        commitments=int(kept.figures["total"]) if kept is not None else 0,
        kept=int(kept.figures["done"]) if kept is not None else 0,
        commitments_overdue=int(kept.figures["overdue"]) if kept is not None else 0,
        per_day=cost_per_traveller_day(state),
        co2e_kg=flown.total_kg if flown is not None else None,
        co2e_per_day=flown.per_traveller_day_kg if flown is not None else None,
        **_money(state),
    )


def _money(state: TripState) -> dict[str, Any]:
    """The trip's cost, the city's part and each payer's, in the reporting currency: actual
    once known, else as budgeted."""
    basis = cost_basis(state)
    if basis is None:
        return {}
    total, currency, actual = basis
    if actual and state.completed is not None:
        city, items = amount(state.completed.city_share), state.completed.actual_costs
    elif state.trip is not None:
        city, items = amount(state.trip.city_share), state.trip.budget
    else:
        return {}
    payers: dict[str, Decimal] = {}
    for item in items:
        paid = amount(item.reporting)
        if paid is not None and item.reporting.currency == currency:
            _add(payers, item.payer, paid)
    return {
        "currency": currency,
        "cost": total,
        "city": city if city is not None else total,
        "actual": actual,
        "payers": tuple(payers.items()),
    }


def _add(sums: dict[str, Decimal], key: str, value: Decimal) -> None:
    sums[key] = sums.get(key, Decimal(0)) + value


def build(parts: Iterable[Part]) -> Yearbook:
    """Every year's figures, summed from what each trip adds."""
    tally = Tally()
    for p in parts:
        tally.count(p, 1)
    return tally.book()


class Cache:
    """The newest yearbook, brought up to date with the trips that changed since it was made."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._building = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._book: Yearbook | None = None
        self._parts: dict[str, Part | None] = {}
        self._tally = Tally()
        """The sums of ``_parts``."""
        self._day: date | None = None
        self._seen = -1
        """The newest ledger index the parts have read."""

    def _kept(self, key: tuple[Any, ...]) -> Yearbook | None:
        with self._lock:
            return self._book if self._key == key else None

    def get(
        self, session: Session, today: date, rules: Rules, home: Place | None = None
    ) -> Yearbook:
        count, last = repository.size(session)
        newest = -1 if last is None else last
        key = (count, newest, today)
        book = self._kept(key)
        if book is not None:
            return book
        # One request counts; those that arrive meanwhile wait for its yearbook.
        with self._building:
            book = self._kept(key)
            if book is not None:
                return book
            if self._day == today and newest < self._seen and self._book is not None:
                # A reader whose snapshot began before the ingestor's last ``follow``: the
                # yearbook made then is newer than what it reads, and as good for it.
                return self._book
            if self._day != today:
                self._parts, self._tally, self._seen = {}, Tally(), -1  # a new day: all afresh
            try:
                for trip_id, status, data in repository.changed_since(session, self._seen):
                    found = part(trip_id, status, TripState.stored(data), today, rules, home)
                    self._tally.replace(self._parts.get(trip_id), found)
                    self._parts[trip_id] = found
            except BaseException:
                self._day = None  # the sums may be half changed: the next call counts afresh
                raise
            book = self._tally.book()
            self._day, self._seen = today, newest
            with self._lock:
                self._key, self._book = key, book
        return book

    def newest(self) -> Yearbook | None:
        """The yearbook made last, whatever the read model holds now; None before the first."""
        with self._lock:
            return self._book

    def follow(self, engine: Engine, rules: Rules, home: Place | None = None) -> None:
        """Bring the yearbook up to date now, as a request would: the ingestor calls it
        once what it showed has caught up with the ledger, so no reader waits for it."""
        with db.reading(engine) as connection, Session(connection) as session:
            self.get(session, datetime.now(UTC).date(), rules, home)
