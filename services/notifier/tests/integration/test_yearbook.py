"""The yearbook cache kept by difference over a real read model: after any sequence of
entries it reads exactly as one counted from scratch; the ingestor brings it up to date as
soon as what it showed has caught up with the ledger."""

import logging
import random
import uuid
from base64 import b64encode
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import Engine
from sqlmodel import Session

from notifier import state
from notifier.checklist.rules import Rules
from notifier.emissions.gazetteer import home
from notifier.ingest import service
from notifier.publish import repository, yearbook
from notifier.publish.tally import Part, Yearbook
from notifier.publish.yearbook import Cache
from notifier.testing import Site, event, life, numbered, serve, snapshot
from periplus import db, sources, tiles
from periplus.merkle import consistency_ranges, root_from_leaves
from periplus.note import Checkpoint, Signer
from periplus.testing import Server, eventually
from services.notifier.tests.yearbooks import exact

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
        self.app.get("/tile/entries/{path:path}")(self.bundle)
        self.app.get("/v1/log/proof/consistency")(self.consistency)

    def checkpoint(self) -> str:
        size, root = root_from_leaves(self.leaves)
        return LOG.sign(Checkpoint(LOG.name, size, root).body())

    def entries(self, start: int, end: int) -> dict[str, Any]:
        shown = [
            {"index": i, "leaf": b64encode(self.leaves[i]).decode()} for i in range(start, end)
        ]
        return {"entries": shown}

    def bundle(self, path: str) -> Response:
        index, width = tiles.parse_path(path)
        first = index * tiles.WIDTH
        return Response(tiles.bundle(self.leaves[first : first + width]))

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
    eventually(lambda: yearbook.newest() is not None)  # on the ingestor's own thread
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
        eventually(lambda: "a follower of the entries shown failed" in caplog.text)
        eventually(lambda: yearbook.newest() is not shown)
    newer = yearbook.newest()
    assert newer is not None
    assert newer.year(2026).trips == {first, second, third}
    assert shown.year(2026).trips == {first, second}


def test_a_reader_whose_snapshot_predates_the_last_follow_gets_the_newer_yearbook(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The ingestor's ``follow`` counts entries a slower request's snapshot does not see
    yet: that request gets the newer yearbook, and nothing is counted again."""
    counted: list[str] = []
    real = yearbook.part

    def counting(trip_id: str, *args: Any, **kwargs: Any) -> Part | None:
        counted.append(trip_id)
        return real(trip_id, *args, **kwargs)

    monkeypatch.setattr(yearbook, "part", counting)
    trips, cache = Trips(engine, 3), Cache()
    for _ in range(12):
        trips.step()
    book_of(cache, engine)
    with db.reading(engine) as connection, Session(connection) as older:
        repository.size(older)  # the slower request's snapshot begins here
        for _ in range(3):
            trips.step()
        newer = book_of(cache, engine)  # as ``follow`` does, on a read of its own
        counted.clear()
        assert cache.get(older, TODAY, Rules(), MONTEVIDEO) is newer
        assert counted == []
        assert cache.newest() is newer
