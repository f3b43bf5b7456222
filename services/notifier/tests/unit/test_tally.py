"""The tally kept by difference: after any sequence of trips' parts added, changed and
taken away it reads exactly as one counted from scratch, and no yearbook handed out
changes."""

import math
import random
import statistics
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from typing import Any

import pytest

from notifier.checklist.signals import CO2E
from notifier.publish.tally import Part, Tally, Year, Yearbook
from notifier.publish.yearbook import OUTCOMES, build
from services.notifier.tests.yearbooks import exact, sorted_notices

AMOUNTS = ("4000.00", "1500.5", "250", "99.999", "1E+3", "0.10", "12.345678")


def random_part(rng: random.Random, trip_id: str) -> Part:
    year = rng.choice((2024, 2025, 2026))
    if rng.random() < 0.15:
        return Part(trip_id, year, cancelled=True)
    currency = rng.choice(("USD", "EUR", None))
    cost = Decimal(rng.choice(AMOUNTS))
    city = Decimal(rng.choice((*AMOUNTS, str(cost))))
    payers = tuple(
        (payer, Decimal(rng.choice(AMOUNTS)))
        for payer in rng.sample(("city", "host", "other"), rng.randint(0, 3))
    )
    reported = rng.random() < 0.5
    flown = rng.random() < 0.7
    noticed = rng.random() < 0.8
    travellers, days = rng.randint(0, 4), rng.randint(0, 6)
    return Part(
        trip_id,
        year,
        countries=frozenset(rng.sample(("EC", "FR", "JP", "BR"), rng.randint(0, 2))),
        travellers=travellers,
        elected=rng.randint(0, travellers),
        days=days,
        currency=currency,
        cost=cost if currency else Decimal(0),
        city=city if currency else Decimal(0),
        actual=rng.random() < 0.5,
        payers=payers if currency else (),
        departments=frozenset(rng.sample(("Mobility", "Culture", "Health"), rng.randint(0, 2))),
        goals=frozenset(rng.sample((4, 11, 13), rng.randint(0, 2))),
        notice=rng.randint(0, 60) if noticed else None,
        short_notice=noticed and rng.random() < 0.3,
        quarter=rng.randint(1, 4) if noticed else None,
        overdue=rng.random() < 0.2,
        filed_late=rng.random() < 0.2,
        reported=reported,
        expected=rng.randint(0, 3) if reported else 0,
        outcomes=tuple((k, rng.randint(0, 2)) for k in OUTCOMES) if reported else (),
        commitments=(made := rng.randint(0, 3)),
        kept=rng.randint(0, made),
        commitments_overdue=rng.randint(0, made),
        per_day=(cost / max(travellers * days, 1), currency)
        if currency and rng.random() < 0.8
        else None,
        stops=frozenset(rng.sample((("EC", "Quito"), ("FR", "Paris"), ("JP", "Tokyo")), 1)),
        co2e_kg=rng.uniform(10, 5000) / 3 if flown else None,
        co2e_per_day=rng.uniform(1, 500) / 7 if flown else None,
    )


def changed(rng: random.Random, old: Part) -> Part:
    """The same trip after an entry: another year, currency, cost or status."""
    kind = rng.choice(("year", "currency", "cost", "cancel", "anew"))
    if kind == "year":
        return replace(old, year=old.year + rng.choice((-1, 1)))
    if kind == "currency" and old.currency is not None:
        other = "EUR" if old.currency == "USD" else "USD"
        per_day = old.per_day and (old.per_day[0], other)
        return replace(old, currency=other, per_day=per_day)
    if kind == "cost" and old.currency is not None:
        return replace(old, cost=old.cost + Decimal("0.001"), actual=True)
    if kind == "cancel":
        return Part(old.trip_id, old.year, cancelled=True)
    return random_part(rng, old.trip_id)


@pytest.mark.backends("sqlite")  # pure computation, the same on every database
@pytest.mark.parametrize("seed", range(8))
def test_a_tally_changed_part_by_part_reads_as_one_counted_from_scratch(seed: int) -> None:
    rng = random.Random(seed)
    tally, parts = Tally(), dict[str, Part | None]()
    handed: list[tuple[Yearbook, Any]] = []
    for step in range(150):
        trip_id = f"t{rng.randrange(25)}"
        old = parts.get(trip_id)
        if old is None:
            new: Part | None = random_part(rng, trip_id)
        else:
            new = None if rng.random() < 0.15 else changed(rng, old)  # withheld, or changed
        tally.replace(old, new)
        parts[trip_id] = new
        book = tally.book()
        present = [p for p in parts.values() if p is not None]
        rng.shuffle(present)  # a yearbook from scratch reads the same in any order
        fresh = build(present)
        assert exact(book) == exact(fresh), f"step {step}"
        if step % 10 == 0:
            handed.append((book, exact(book)))
    for book, then in handed:
        assert exact(book) == then  # no later change reached a yearbook handed out


def counted_once(parts: list[Part]) -> Yearbook:
    """Every figure counted from scratch, one part after the other, as plainly as can be."""
    years: dict[int, Year] = {}
    quarters: dict[tuple[int, int], list[int]] = {}
    per_day: dict[str, list[Decimal]] = {}
    for p in parts:
        y = years.setdefault(p.year, Year(p.year))
        if p.cancelled:
            y.cancelled.add(p.trip_id)
            continue
        y.trips.add(p.trip_id)
        y.countries |= p.countries
        y.stops.update(p.stops)
        y.departments.update(p.departments)
        y.goals.update(p.goals)
        y.travellers, y.elected = y.travellers + p.travellers, y.elected + p.elected
        y.days, y.person_days = y.days + p.days, y.person_days + p.days * p.travellers
        if p.currency is not None:
            y.costed.add(p.trip_id)
            y.budgeted |= set() if p.actual else {p.trip_id}
            y.cofunded |= {p.trip_id} if p.city < p.cost else set()
            y.cost[p.currency] = y.cost.get(p.currency, Decimal(0)) + p.cost
            y.city[p.currency] = y.city.get(p.currency, Decimal(0)) + p.city
            paid = y.payers.setdefault(p.currency, {})
            for payer, value in p.payers:
                paid[payer] = paid.get(payer, Decimal(0)) + value
        if p.notice is not None:
            y.notices.append(p.notice)
            y.noticed.add(p.trip_id)
            if p.quarter is not None:
                quarters.setdefault((p.year, p.quarter), []).append(p.notice)
        for flag in ("short_notice", "overdue", "filed_late"):
            if getattr(p, flag):
                getattr(y, flag).add(p.trip_id)
        if p.reported:
            y.reported.add(p.trip_id)
            y.expected += p.expected
            y.outcomes.update(dict(p.outcomes))
        if p.commitments:
            y.followed.add(p.trip_id)
            y.commitments, y.kept = y.commitments + p.commitments, y.kept + p.kept
            y.commitments_overdue += p.commitments_overdue
        if p.co2e_kg is not None:
            y.estimated[p.trip_id] = p.co2e_kg
        if p.per_day is not None:
            per_day.setdefault(p.per_day[1], []).append(p.per_day[0])
        if p.co2e_per_day is not None:
            per_day.setdefault(CO2E, []).append(Decimal(repr(p.co2e_per_day)))
    for y in years.values():
        y.co2e_kg = math.fsum(y.estimated.values())
        y.notices.sort()
    for notices in quarters.values():
        notices.sort()
    money = Counter(p.currency for p in parts if p.currency and not p.cancelled)
    currency = min(money, key=lambda c: (-money[c], c)) if money else ""
    medians = {unit: Decimal(statistics.median(v)) for unit, v in per_day.items()}
    return Yearbook(years, currency, medians, quarters)


@pytest.mark.backends("sqlite")
def test_the_tally_reads_as_counting_every_trip_once_would() -> None:
    """Medians as ``statistics.median`` gives them, emissions summed with one rounding, money
    summed with the decimals its terms have, and the commonest currency first by code."""
    rng = random.Random(11)
    for size in (0, 1, 2, 3, 50, 301):
        parts = [random_part(rng, f"t{n}") for n in range(size)]
        book, plain = build(parts), counted_once(parts)
        assert exact(replace(book, medians={})) == exact(replace(plain, medians={}))
        assert book.medians == plain.medians  # equal values may differ in their digits


@pytest.mark.backends("sqlite")
def test_the_sums_read_as_counting_every_trip_once_would() -> None:
    """Medians as ``statistics.median`` gives them, emissions summed with one rounding, money
    summed with the decimals its terms have, and the commonest currency first by code."""
    rng = random.Random(7)
    parts = [random_part(rng, f"t{n}") for n in range(300)]
    book = build(parts)
    counted = [p for p in parts if not p.cancelled]
    for unit in {p.per_day[1] for p in counted if p.per_day}:
        values = [p.per_day[0] for p in counted if p.per_day and p.per_day[1] == unit]
        assert book.medians[unit] == statistics.median(values)
    co2e = [Decimal(repr(p.co2e_per_day)) for p in counted if p.co2e_per_day is not None]
    assert book.medians[CO2E] == statistics.median(co2e)
    for number, year in book.years.items():
        flown = [p.co2e_kg for p in counted if p.year == number and p.co2e_kg is not None]
        assert year.co2e_kg == math.fsum(flown)
        for currency in year.cost:
            costs = [p.cost for p in counted if p.year == number and p.currency == currency]
            assert exact(year.cost[currency]) == exact(sum(costs, Decimal(0)))
    currencies = Counter(p.currency for p in counted if p.currency)
    assert book.currency == min(currencies, key=lambda c: (-currencies[c], c))
    tie = [Part("a", 2026, currency="USD"), Part("b", 2026, currency="EUR")]
    assert build(tie).currency == build(tie[::-1]).currency == "EUR"


@pytest.mark.backends("sqlite")
def test_a_sum_left_with_fewer_decimals_reads_with_fewer() -> None:
    tally = Tally()
    kept = Part("a", 2026, currency="USD", cost=Decimal("4000.00"), city=Decimal("10"))
    gone = Part("b", 2026, currency="USD", cost=Decimal("0.125"), city=Decimal("1.5"))
    tally.replace(None, kept)
    tally.replace(None, gone)
    assert str(tally.book().year(2026).cost["USD"]) == "4000.125"
    tally.replace(gone, None)
    year = tally.book().year(2026)
    assert (str(year.cost["USD"]), str(year.city["USD"])) == ("4000.00", "10")
    tally.replace(kept, None)
    assert tally.book().years == {}
    assert tally.book().medians == {}
    assert tally.book().currency == ""


@pytest.mark.backends("sqlite")
def test_a_book_unchanged_is_the_same_book_and_a_change_keeps_the_other_years() -> None:
    tally = Tally()
    tally.replace(None, Part("a", 2025, notice=10, quarter=1))
    tally.replace(None, Part("b", 2026, notice=20, quarter=2))
    first = tally.book()
    assert tally.book() is first
    tally.replace(Part("b", 2026, notice=20, quarter=2), Part("b", 2026, notice=30, quarter=2))
    second = tally.book()
    assert second is not first
    assert second.years[2025] is first.years[2025]
    assert (first.years[2026].notices, second.years[2026].notices) == ([20], [30])
    assert (first.quarters[(2026, 2)], second.quarters[(2026, 2)]) == ([20], [30])
    assert sorted_notices(second) == {2025: [10], 2026: [30]}


@pytest.mark.backends("sqlite")
def test_a_part_changed_only_in_how_its_amounts_are_written_is_counted_again() -> None:
    """``Decimal("1500.5") == Decimal("1500.50")``: a tally that skipped an equal part
    would keep writing the old amount."""
    old = Part("t1", 2026, currency="USD", cost=Decimal("1500.5"), city=Decimal("1500.5"),
               per_day=(Decimal("250.1"), "USD"))  # fmt: skip
    new = replace(old, cost=Decimal("1500.50"), city=Decimal("1500.50"),
                  per_day=(Decimal("250.10"), "USD"))  # fmt: skip
    kept = Tally()
    kept.replace(None, old)
    kept.book()
    kept.replace(old, new)
    assert exact(kept.book()) == exact(build([new]))
