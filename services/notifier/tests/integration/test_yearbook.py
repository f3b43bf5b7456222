"""The yearbook kept by difference: after any sequence of trips added, changed and taken
away it reads exactly as one counted from scratch, and no yearbook handed out changes; the
ingestor brings it up to date as soon as what it showed has caught up with the ledger."""

import logging
import math
import random
import statistics
import uuid
from base64 import b64encode
from collections import Counter
from collections.abc import Iterator
from dataclasses import fields, replace
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from sqlalchemy import Engine
from sqlmodel import Session

from notifier import state
from notifier.checklist.rules import Rules
from notifier.checklist.signals import CO2E
from notifier.emissions.gazetteer import home
from notifier.ingest import service
from notifier.publish.tally import Part, Tally, Year, Yearbook
from notifier.publish.yearbook import OUTCOMES, Cache, build
from notifier.testing import Site, event, life, numbered, serve, snapshot
from periplus import db, sources
from periplus.merkle import consistency_ranges, root_from_leaves
from periplus.note import Checkpoint, Signer
from periplus.testing import Server

AMOUNTS = ("4000.00", "1500.5", "250", "99.999", "1E+3", "0.10", "12.345678")


def exact(value: Any) -> Any:
    """A value that compares equal only if the two read the same: decimals by their digits
    (``4000.00`` is not ``4000.000``), sets and mappings whatever their order."""
    if isinstance(value, Decimal):
        return ("decimal", str(value))
    if isinstance(value, float):
        return ("float", value.hex())
    if isinstance(value, Yearbook):
        return exact({f.name: getattr(value, f.name) for f in fields(value)})
    if hasattr(value, "__dataclass_fields__"):
        return exact({f.name: getattr(value, f.name) for f in fields(value)})
    if isinstance(value, dict):  # Counter too: a key counted zero would show here
        return ("map", sorted((repr(k), exact(v)) for k, v in value.items()))
    if isinstance(value, set | frozenset):
        return ("set", sorted(repr(v) for v in value))
    if isinstance(value, list | tuple):
        return ("list", [exact(v) for v in value])
    return value


def sorted_notices(book: Yearbook) -> Any:
    """What a median reads: the notices whatever their order."""
    return {y: sorted(v.notices) for y, v in book.years.items()}


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


TODAY = date(2026, 5, 1)
MONTEVIDEO = home("Montevideo, UY")
LOG = Signer("periplus.test/yearbook-ledger", Ed25519PrivateKey.from_private_bytes(bytes(32)))


def priced(trip: dict[str, Any], currency: str) -> dict[str, Any]:
    """The trip with every amount in ``currency``."""

    def money(found: dict[str, Any]) -> dict[str, Any]:
        return {**found, "currency": currency}

    budget = [
        {**item, "amount": money(item["amount"]), "reporting": money(item["reporting"])}
        for item in trip["budget"]
    ]
    return {
        **trip,
        "budget": budget,
        "budget_total": money(trip["budget_total"]),
        "city_share": money(trip["city_share"]),
    }


def random_trip(rng: random.Random, reference: str) -> dict[str, Any]:
    city, country = rng.choice((("Quito", "EC"), ("Paris", "FR"), ("Tokyo", "JP")))
    trip = snapshot(
        reference,
        departure=date(rng.choice((2025, 2026)), rng.randint(1, 12), rng.randint(1, 28)),
        days=rng.randint(1, 6),
        notice=rng.randint(1, 60),
        size=rng.randint(1, 4),
        city_share=rng.choice(("3000.00", "1500.5", "2000")),
        country=country,
        city=city,
        department=rng.choice(("Culture", "Mobility")),
        goals=tuple(rng.sample((4, 11, 13), rng.randint(1, 2))),
        targets=(),
    )
    return priced(trip, rng.choice(("USD", "EUR")))


class Trips:
    """Entries for a few trips, applied to the read model one at a time."""

    def __init__(self, engine: Engine, seed: int) -> None:
        self.engine, self.rng, self.index = engine, random.Random(seed), 0
        self.trips: dict[str, dict[str, Any]] = {}  # the newest snapshot of each
        self.approvals: dict[str, int] = {}  # the index of each trip's approval

    def apply(self, entry: dict[str, Any]) -> None:
        with Session(self.engine) as session:
            service.apply(session, [(self.index, entry)])
            session.commit()
        self.index += 1

    def step(self) -> None:
        """An approval, or a change to a trip: another year, currency or status, withheld."""
        rng = self.rng
        if len(self.trips) < 3 or rng.random() < 0.25:
            trip_id = str(uuid.UUID(int=rng.randrange(1 << 64)))
            trip = self.trips[trip_id] = random_trip(rng, f"MVD-2026-{self.index:04d}")
            self.approvals[trip_id] = self.index
            self.apply(event("trip.approved", trip_id, {"trip": trip}))
            return
        trip_id = rng.choice(sorted(self.trips))
        trip, reference = self.trips[trip_id], self.trips[trip_id]["reference"]
        kind = rng.choice(("year", "currency", "complete", "cancel", "withhold"))
        if kind in ("year", "currency"):
            if kind == "year":
                changed = random_trip(rng, reference)
            else:
                changed = priced(trip, "EUR" if trip["city_share"]["currency"] == "USD" else "USD")
            self.trips[trip_id] = changed
            data = {"trip": changed, "changes": [], "reason": "The host moved the visit."}
            self.apply(event("trip.amended", trip_id, data))
        elif kind == "complete":
            costs = {"actual_costs": trip["budget"], "actual_total": trip["budget_total"]}
            completed = {"reference": reference, **costs, "city_share": trip["city_share"]}
            self.apply(event("trip.completed", trip_id, completed))
        elif kind == "cancel":
            self.apply(event("trip.cancelled", trip_id, {"reference": reference, "reason": "x"}))
        else:  # the approval withheld: a trip amended since keeps the amendment's record
            said = {"reason": "privacy", "legal_basis": "Art. 17", "leaf_hash": "00" * 32}
            named = {"index": self.approvals[trip_id], **said}
            ledger = Signer("test-city/ledger", Ed25519PrivateKey.generate())
            notice = sources.sign(
                ledger, seq=1, type_="entry.withheld", trip_id=uuid.UUID(trip_id), data=named
            )
            self.apply(notice.to_json())


def book_of(cache: Cache, engine: Engine) -> Yearbook:
    with db.reading(engine) as connection, Session(connection) as session:
        return cache.get(session, TODAY, Rules(), MONTEVIDEO)


@pytest.mark.parametrize("seed", [1, 2])
def test_a_cache_kept_by_difference_reads_as_one_counted_from_scratch(
    engine: Engine, seed: int
) -> None:
    trips, kept = Trips(engine, seed), Cache()
    handed: list[tuple[Yearbook, Any]] = []
    for step in range(30):
        trips.step()
        book = book_of(kept, engine)
        assert exact(book) == exact(book_of(Cache(), engine)), f"step {step}"
        handed.append((book, exact(book)))
    assert any(book.years for book, _ in handed)
    for book, then in handed:
        assert exact(book) == then  # a later entry changed no yearbook handed out


class Ledger:
    """A ledger over HTTP whose entries are kept in memory; each checkpoint signs them all."""

    def __init__(self) -> None:
        self.leaves: list[bytes] = []
        self.url = ""
        self.app = FastAPI()
        self.app.get("/v1/log/checkpoint", response_class=PlainTextResponse)(self.checkpoint)
        self.app.get("/v1/log/entries")(self.entries)
        self.app.get("/v1/log/proof/consistency")(self.consistency)

    def checkpoint(self) -> str:
        size, root = root_from_leaves(self.leaves)
        return LOG.sign(Checkpoint(LOG.name, size, root).body())

    def entries(self, start: int, end: int) -> dict[str, Any]:
        shown = [
            {"index": i, "leaf": b64encode(self.leaves[i]).decode()} for i in range(start, end)
        ]
        return {"entries": shown}

    def consistency(self, first: int, second: int) -> dict[str, Any]:
        ranges = consistency_ranges(first, second)
        hashes = [root_from_leaves(self.leaves[start:end])[1] for start, end in ranges]
        return {"hashes": [b64encode(h).decode() for h in hashes]}


@pytest.fixture
def ledger() -> Iterator[Ledger]:
    made = Ledger()
    with Server(made.app) as server:
        made.url = server.url
        yield made


@pytest.fixture
def site(database_url: str, tmp_path: Path, ledger: Ledger) -> Iterator[Site]:
    """A notifier that trusts ``LOG`` and follows ``ledger``; it ingests only when a test
    calls its ingestor."""
    policy = tmp_path / "ledger.policy"
    policy.write_text(f"log {LOG.verifier}\nquorum none\n")
    yield from serve(database_url, ledger.url, trust_policy_file=policy)


def test_the_ingestor_brings_the_yearbook_up_to_date_once_caught_up(
    site: Site, ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    kept = state.of(site.app)
    ingestor, yearbook = kept.ingestor, kept.yearbook
    first, second = str(uuid.UUID(int=1)), str(uuid.UUID(int=2))
    entries = numbered(life(first, "MVD-2026-0001") + life(second, "MVD-2026-0002"))
    ledger.leaves = [envelope.leaf for envelope in entries]
    ingestor.batch = 4

    assert ingestor.catch_up(rounds=1) == 4  # far behind: the yearbook waits for a request
    assert yearbook.newest() is None

    assert ingestor.catch_up() == 6
    shown = yearbook.newest()
    assert shown is not None
    assert shown.year(2026).trips == {first, second}
    today = datetime.now(UTC).date()
    with db.reading(kept.engine) as connection, Session(connection) as session:
        assert yearbook.get(session, today, kept.settings.checklist, kept.settings.home) is shown
    assert httpx.get(f"{site.url}/").status_code == 200
    assert yearbook.newest() is shown  # the page read the yearbook the ingestor made

    def broken() -> None:
        raise RuntimeError("a follower that fails")

    ingestor.on_shown.insert(0, broken)
    third = str(uuid.UUID(int=3))
    ledger.leaves += [e.leaf for e in numbered(life(third, "MVD-2026-0003"), first=11)]
    with caplog.at_level(logging.ERROR):
        assert ingestor.catch_up() == 5  # ingestion goes on past the failure
    assert "a follower of the entries shown failed" in caplog.text
    newer = yearbook.newest()
    assert newer is not None
    assert newer.year(2026).trips == {first, second, third}
    assert shown.year(2026).trips == {first, second}
