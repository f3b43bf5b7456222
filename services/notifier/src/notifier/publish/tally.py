"""The yearbook's shapes, and the sums behind them that a trip is added to and taken from.

``Tally`` keeps every figure so that taking a trip's ``Part`` away is exact: what
several trips share (countries, stops, departments, goals, currencies) is counted,
each median's values are kept sorted, money is summed as a sum from scratch would
read (``_Sums``), and emissions exactly (in whole units of the least float, rounded once).
The ``Yearbook`` it hands out is never changed afterwards: the next one is made
anew from what changed (``Tally.book``), sharing the years that did not.
"""

from bisect import bisect_left, insort
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from statistics import median
from typing import Any, Generic, TypeVar

from notifier.checklist.signals import CO2E

K = TypeVar("K", bound=Hashable)
V = TypeVar("V", int, tuple[Decimal, int])


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
    """The reporting currency most trips use (the first by code among equals): charts of
    money show it alone."""
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


def _count(counter: Counter[K], keys: Iterable[K], sign: int) -> None:
    """Count ``keys`` in or out; a key counted out entirely is gone, as if never counted."""
    for key in keys:
        left = counter[key] + sign
        if left:
            counter[key] = left
        else:
            del counter[key]


def _mark(found: set[str], trip_id: str, sign: int) -> None:
    if sign > 0:
        found.add(trip_id)
    else:
        found.discard(trip_id)


def _sorted(values: list[V], value: V, sign: int) -> None:
    """Put ``value`` into the sorted ``values``, or take one equal to it out."""
    if sign > 0:
        insort(values, value)
    else:
        del values[bisect_left(values, value)]


_LEAST = 1 << 1074
"""Every float is a whole number of 2**-1074: summed as such, floats add up exactly."""


def _units(value: float) -> int:
    numerator, denominator = value.as_integer_ratio()
    return numerator * (_LEAST // denominator)


def _middle(values: list[tuple[Decimal, int]]) -> Decimal:
    """``statistics.median`` of values already sorted, by index: the mean of the two
    in the middle of an even count. Each value is kept with its exponent, so that of
    equal values (``562.5``, ``562.50``) the median reads the same whatever came first."""
    n = len(values)
    i = n // 2
    return values[i][0] if n % 2 else (values[i - 1][0] + values[i][0]) / 2


class _Sums(Generic[K]):
    """Decimal sums by key, as summing from ``Decimal(0)`` the terms still counted reads.

    A sum keeps the smallest exponent of all its terms, so one that a term with
    more decimals left would show them (``4000.000``); the exponents of the terms
    counted tell the sum's own, and it is quantized back to it, exactly.
    """

    def __init__(self) -> None:
        self.sums: dict[K, Decimal] = {}
        self.exponents: dict[K, Counter[int]] = {}

    def add(self, key: K, value: Decimal, sign: int) -> None:
        exponents = self.exponents.setdefault(key, Counter())
        _count(exponents, (int(value.as_tuple().exponent),), sign)
        if not exponents:
            del self.exponents[key], self.sums[key]
            return
        total = self.sums.get(key, Decimal(0))
        self.sums[key] = total + value if sign > 0 else total - value

    def value(self, key: K) -> Decimal:
        total, exponent = self.sums[key], min(0, *self.exponents[key])
        if int(total.as_tuple().exponent) < exponent:
            total = total.quantize(Decimal(1).scaleb(exponent))
        return total


class _Year:
    """One year's figures as sums that a part can be added to and taken from."""

    def __init__(self, year: int) -> None:
        self.year, self.parts = year, 0
        self.trips: set[str] = set()
        self.cancelled: set[str] = set()
        self.costed: set[str] = set()
        self.budgeted: set[str] = set()
        self.cofunded: set[str] = set()
        self.reported: set[str] = set()
        self.filed_late: set[str] = set()
        self.overdue: set[str] = set()
        self.followed: set[str] = set()
        self.noticed: set[str] = set()
        self.short_notice: set[str] = set()
        self.countries: Counter[str] = Counter()  # trips to each, as the set of them is shared
        self.stops: Counter[tuple[str, str]] = Counter()
        self.departments: Counter[str] = Counter()
        self.goals: Counter[int] = Counter()
        self.outcomes: Counter[str] = Counter()
        self.totals: Counter[str] = Counter()
        self.currencies: Counter[str] = Counter()  # costed trips per currency
        self.cost: _Sums[str] = _Sums()
        self.city: _Sums[str] = _Sums()
        self.payers: _Sums[tuple[str, str]] = _Sums()
        self.notices: list[int] = []
        self.estimated: dict[str, float] = {}
        self.co2e = 0  # in units of the least float (``_units``): a sum with no rounding

    def count(self, p: Part, sign: int) -> None:
        self.parts += sign
        trip = p.trip_id
        if p.cancelled:
            _mark(self.cancelled, trip, sign)
            return
        _mark(self.trips, trip, sign)
        _count(self.countries, p.countries, sign)
        _count(self.stops, p.stops, sign)
        _count(self.departments, p.departments, sign)
        _count(self.goals, p.goals, sign)
        totals = self.totals
        totals["travellers"] += sign * p.travellers
        totals["elected"] += sign * p.elected
        totals["days"] += sign * p.days
        totals["person_days"] += sign * p.days * p.travellers
        if p.currency is not None:
            _mark(self.costed, trip, sign)
            if not p.actual:
                _mark(self.budgeted, trip, sign)
            if p.city < p.cost:
                _mark(self.cofunded, trip, sign)
            _count(self.currencies, (p.currency,), sign)
            self.cost.add(p.currency, p.cost, sign)
            self.city.add(p.currency, p.city, sign)
            for payer, paid in p.payers:
                self.payers.add((p.currency, payer), paid, sign)
        if p.notice is not None:
            _sorted(self.notices, p.notice, sign)
            _mark(self.noticed, trip, sign)
        if p.short_notice:
            _mark(self.short_notice, trip, sign)
        if p.overdue:
            _mark(self.overdue, trip, sign)
        if p.filed_late:
            _mark(self.filed_late, trip, sign)
        if p.reported:
            _mark(self.reported, trip, sign)
            totals["expected"] += sign * p.expected
            for outcome, n in p.outcomes:
                self.outcomes[outcome] += sign * n
        if p.commitments:
            _mark(self.followed, trip, sign)
            totals["commitments"] += sign * p.commitments
            totals["kept"] += sign * p.kept
            totals["commitments_overdue"] += sign * p.commitments_overdue
        if p.co2e_kg is not None:
            if sign > 0:
                self.estimated[trip] = p.co2e_kg
            else:
                del self.estimated[trip]
            self.co2e += sign * _units(p.co2e_kg)

    def figures(self) -> Year:
        """The year as pages read it: copies, which no later part changes."""
        totals = self.totals
        payers: dict[str, dict[str, Decimal]] = {c: {} for c in self.currencies}
        for currency, payer in self.payers.sums:
            payers[currency][payer] = self.payers.value((currency, payer))
        return Year(
            self.year,
            trips=set(self.trips),
            cancelled=set(self.cancelled),
            countries=set(self.countries),
            travellers=totals["travellers"],
            elected=totals["elected"],
            days=totals["days"],
            person_days=totals["person_days"],
            cost={c: self.cost.value(c) for c in self.cost.sums},
            city={c: self.city.value(c) for c in self.city.sums},
            payers=payers,
            costed=set(self.costed),
            budgeted=set(self.budgeted),
            cofunded=set(self.cofunded),
            # Each report counts every outcome: none is left once no report is.
            outcomes=Counter(self.outcomes) if self.reported else Counter(),
            expected=totals["expected"],
            reported=set(self.reported),
            filed_late=set(self.filed_late),
            overdue=set(self.overdue),
            commitments=totals["commitments"],
            kept=totals["kept"],
            commitments_overdue=totals["commitments_overdue"],
            followed=set(self.followed),
            notices=list(self.notices),
            noticed=set(self.noticed),
            short_notice=set(self.short_notice),
            departments=Counter(self.departments),
            goals=Counter(self.goals),
            co2e_kg=self.co2e / _LEAST,  # rounded once, as ``math.fsum`` rounds
            estimated=dict(self.estimated),
            stops=Counter(self.stops),
        )


class Tally:
    """Every year's figures, the medians and notice by quarter, kept as parts come and go."""

    def __init__(self) -> None:
        self._years: dict[int, _Year] = {}
        self._currencies: Counter[str] = Counter()
        self._quarters: dict[tuple[int, int], list[int]] = {}
        self._per_day: dict[str, list[tuple[Decimal, int]]] = {}
        self._book: Yearbook | None = None
        # What changed since ``_book`` was made: only these are made anew.
        self._years_changed: set[int] = set()
        self._quarters_changed: set[tuple[int, int]] = set()
        self._units_changed: set[str] = set()

    def replace(self, old: Part | None, new: Part | None) -> None:
        """Take away what ``old`` added, and add ``new``: one trip's part replaced."""
        if old is new:  # not ``==``: equal decimals may be written with other exponents
            return
        if old is not None:
            self.count(old, -1)
        if new is not None:
            self.count(new, 1)

    def count(self, p: Part, sign: int) -> None:
        """Add a part (``sign`` 1), or take away one added before (-1)."""
        found = self._years.get(p.year)
        if found is None:
            found = self._years[p.year] = _Year(p.year)
        found.count(p, sign)
        self._years_changed.add(p.year)
        if p.cancelled:
            return
        if p.currency is not None:
            _count(self._currencies, (p.currency,), sign)
        if p.notice is not None and p.quarter is not None:
            quarter = (p.year, p.quarter)
            _sorted(self._quarters.setdefault(quarter, []), p.notice, sign)
            self._quarters_changed.add(quarter)
        if p.per_day is not None:
            self._per_day_count(p.per_day[1], p.per_day[0], sign)
        if p.co2e_per_day is not None:
            self._per_day_count(CO2E, Decimal(repr(p.co2e_per_day)), sign)

    def _per_day_count(self, unit: str, value: Decimal, sign: int) -> None:
        exponent = int(value.as_tuple().exponent)
        _sorted(self._per_day.setdefault(unit, []), (value, exponent), sign)
        self._units_changed.add(unit)

    def book(self) -> Yearbook:
        """The yearbook as it stands: the last one handed out if nothing changed since, else
        a new one, whose unchanged years are the last one's (never changed in place)."""
        last = self._book
        if last is not None and not (
            self._years_changed or self._quarters_changed or self._units_changed
        ):
            return last
        years = {} if last is None else dict(last.years)
        for number in self._years_changed:
            found = self._years[number]
            if found.parts:
                years[number] = found.figures()
            else:
                del self._years[number]
                years.pop(number, None)
        quarters = {} if last is None else dict(last.quarters)
        for quarter in self._quarters_changed:
            notices = self._quarters[quarter]
            if notices:
                quarters[quarter] = list(notices)
            else:
                del self._quarters[quarter]
                quarters.pop(quarter, None)
        medians = {} if last is None else dict(last.medians)
        for unit in self._units_changed:
            values = self._per_day[unit]
            if values:
                medians[unit] = _middle(values)
            else:
                del self._per_day[unit]
                medians.pop(unit, None)
        counts = self._currencies.items()
        currency = min(counts, key=lambda kv: (-kv[1], kv[0]))[0] if counts else ""
        self._book = Yearbook(years, currency, medians, quarters)
        self._years_changed, self._quarters_changed, self._units_changed = set(), set(), set()
        return self._book
