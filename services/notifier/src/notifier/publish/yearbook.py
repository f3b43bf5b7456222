"""The figures of each year, counted from the read model and kept up to date as it changes.

A trip belongs to the year of its departure. Each figure keeps the ids of the
trips behind it, so the home page can link a figure to exactly those trips. The
rules (what is overdue, late or short notice) are the checklist's own signals.

What each trip adds (a ``Part``) is kept: when entries arrive, only the trips
they changed are read again, and the years are summed from the parts. A new day
counts everything afresh, since what is overdue depends on the date.
"""

import threading
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from statistics import median
from typing import Any

from sqlmodel import Session

from notifier.checklist.rules import Rules
from notifier.checklist.signals import (
    CO2E,
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
from periplus.public import TripStatus

PAYERS = ("city", "host", "national_government", "external_grant", "other")
OUTCOMES = ("yes", "partly", "no", "missing")


@dataclass
class Year:
    """One year's figures; each set holds the ids of the trips behind a figure."""

    year: int
    trips: set[str] = field(default_factory=set)
    cancelled: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    travellers: int = 0
    elected: int = 0
    days: int = 0
    person_days: int = 0
    cost: dict[str, Decimal] = field(default_factory=dict)
    """Actual cost where known, else budget, per reporting currency."""
    city: dict[str, Decimal] = field(default_factory=dict)
    payers: dict[str, dict[str, Decimal]] = field(default_factory=dict)
    """Per currency, what each kind of payer paid."""
    costed: set[str] = field(default_factory=set)
    budgeted: set[str] = field(default_factory=set)
    cofunded: set[str] = field(default_factory=set)
    outcomes: Counter[str] = field(default_factory=Counter)
    expected: int = 0
    reported: set[str] = field(default_factory=set)
    filed_late: set[str] = field(default_factory=set)
    overdue: set[str] = field(default_factory=set)
    commitments: int = 0
    kept: int = 0
    commitments_overdue: int = 0
    followed: set[str] = field(default_factory=set)
    notices: list[int] = field(default_factory=list)
    noticed: set[str] = field(default_factory=set)
    short_notice: set[str] = field(default_factory=set)
    departments: Counter[str] = field(default_factory=Counter)
    goals: Counter[int] = field(default_factory=Counter)
    co2e_kg: float = 0.0
    """Estimated flight emissions, in all and (``estimated``) trip by trip."""
    estimated: dict[str, float] = field(default_factory=dict)
    stops: Counter[tuple[str, str]] = field(default_factory=Counter)
    """Trips to each (country, city): the map of destinations."""

    def median_notice(self) -> float | None:
        return float(median(self.notices)) if self.notices else None

    def others(self, currency: str) -> Decimal:
        """What hosts, partners and grants paid, in one currency."""
        return self.cost.get(currency, Decimal(0)) - self.city.get(currency, Decimal(0))


@dataclass
class Yearbook:
    """Every year's figures, the city's cost medians, and notice by quarter."""

    years: dict[int, Year]
    currency: str
    """The reporting currency most trips use: charts of money show it alone."""
    medians: dict[str, Decimal]
    """Per traveller-day, by unit: each reporting currency, and ``CO2E``."""
    quarters: dict[tuple[int, int], list[int]]
    shown: dict[tuple[int, str], Any] = field(default_factory=dict)
    """What pages made of it, by year and language (``glance.story``): a yearbook never changes."""

    def year(self, number: int) -> Year:
        return self.years.get(number) or Year(number)


@dataclass(frozen=True)
class Part:
    """What one trip adds to the figures of the year it departs in."""

    trip_id: str
    year: int
    cancelled: bool = False
    countries: frozenset[str] = frozenset()
    travellers: int = 0
    elected: int = 0
    days: int = 0
    currency: str | None = None
    cost: Decimal = Decimal(0)
    city: Decimal = Decimal(0)
    actual: bool = False
    payers: tuple[tuple[str, Decimal], ...] = ()
    departments: frozenset[str] = frozenset()
    goals: frozenset[int] = frozenset()
    notice: int | None = None
    short_notice: bool = False
    quarter: int | None = None
    overdue: bool = False
    filed_late: bool = False
    reported: bool = False
    expected: int = 0
    outcomes: tuple[tuple[str, int], ...] = ()
    commitments: int = 0
    kept: int = 0
    commitments_overdue: int = 0
    per_day: tuple[Decimal, str] | None = None
    """Cost per traveller-day and its currency: the city's yardstick (checklist medians)."""
    stops: frozenset[tuple[str, str]] = frozenset()
    co2e_kg: float | None = None
    co2e_per_day: float | None = None
    """Estimated kg CO2e, in all and per traveller-day, where the city's location is known."""


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


def _count(found: Year, p: Part) -> None:
    found.trips.add(p.trip_id)
    found.countries.update(p.countries)
    found.stops.update(p.stops)
    found.travellers += p.travellers
    found.elected += p.elected
    found.days += p.days
    found.person_days += p.days * p.travellers
    if p.currency is not None:
        found.costed.add(p.trip_id)
        if not p.actual:
            found.budgeted.add(p.trip_id)
        if p.city < p.cost:
            found.cofunded.add(p.trip_id)
        _add(found.cost, p.currency, p.cost)
        _add(found.city, p.currency, p.city)
        payers = found.payers.setdefault(p.currency, {})
        for payer, paid in p.payers:
            _add(payers, payer, paid)
    found.departments.update(p.departments)
    found.goals.update(p.goals)
    if p.notice is not None:
        found.notices.append(p.notice)
        found.noticed.add(p.trip_id)
    if p.short_notice:
        found.short_notice.add(p.trip_id)
    if p.overdue:
        found.overdue.add(p.trip_id)
    if p.filed_late:
        found.filed_late.add(p.trip_id)
    if p.reported:
        found.reported.add(p.trip_id)
        found.expected += p.expected
        found.outcomes.update(dict(p.outcomes))
    if p.commitments:
        found.followed.add(p.trip_id)
        found.commitments += p.commitments
        found.kept += p.kept
        found.commitments_overdue += p.commitments_overdue
    if p.co2e_kg is not None:
        found.estimated[p.trip_id] = p.co2e_kg
        found.co2e_kg += p.co2e_kg


def build(parts: Iterable[Part]) -> Yearbook:
    """Every year's figures, summed from what each trip adds."""
    years: dict[int, Year] = {}
    currencies: Counter[str] = Counter()
    quarters: dict[tuple[int, int], list[int]] = {}
    per_day: dict[str, list[Decimal]] = {}
    for p in parts:
        found = years.setdefault(p.year, Year(p.year))
        if p.cancelled:
            found.cancelled.add(p.trip_id)
            continue
        _count(found, p)
        if p.currency is not None:
            currencies[p.currency] += 1
        if p.notice is not None and p.quarter is not None:
            quarters.setdefault((p.year, p.quarter), []).append(p.notice)
        if p.per_day is not None:
            per_day.setdefault(p.per_day[1], []).append(p.per_day[0])
        if p.co2e_per_day is not None:
            per_day.setdefault(CO2E, []).append(Decimal(repr(p.co2e_per_day)))
    currency = currencies.most_common(1)[0][0] if currencies else ""
    medians = {c: Decimal(median(values)) for c, values in per_day.items()}
    return Yearbook(years, currency, medians, quarters)


class Cache:
    """The newest yearbook, brought up to date with the trips that changed since it was made."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._building = threading.Lock()
        self._key: tuple[Any, ...] | None = None
        self._book: Yearbook | None = None
        self._parts: dict[str, Part | None] = {}
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
            if self._day != today or newest < self._seen:
                self._parts, self._seen = {}, -1  # a new day, or the read model was rebuilt
            for trip_id, status, data in repository.changed_since(session, self._seen):
                found = TripState.stored(data)
                self._parts[trip_id] = part(trip_id, status, found, today, rules, home)
            book = build(p for p in self._parts.values() if p is not None)
            self._day, self._seen = today, newest
            with self._lock:
                self._key, self._book = key, book
        return book
