"""Whoever can write to the broker cannot fill the ledger's database with refusals: of
what no source signed, a prefix is kept, up to a number of rows; what a source signed is
evidence, kept whole and always, and still holds its source back."""

import hashlib
import json
import logging
import uuid
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlmodel import Session

from ledger.ingest.quarantine import PREFIX
from ledger.ingest.resolve import held, resolve
from ledger.ingest.service import Ingestor
from ledger.testing import SEED, SOURCE, SOURCE_SIGNER, Ledger, produce, serve, source_keys
from ledger.testing import event as make_event
from periplus import keyfile
from periplus.canonical import canonical_bytes
from periplus.events import SPEC
from periplus.kafka import Record, ensure_topic
from periplus.note import Signer
from periplus.testing import Broker, eventually, signed_as_is

NOT_KEPT = "refused messages no source signed are not kept"


def not_kept() -> float:
    """Refusals counted and not kept so far, in this process."""
    return REGISTRY.get_sample_value("ledger_quarantine_not_kept_total") or 0.0


def listed(ledger: Ledger) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = ledger.get("/v1/log/quarantine").json()["events"]
    return events


def signed_with_a_nul(seq: int, trip: uuid.UUID, padding: int = 0) -> bytes:
    """An event the test source signed that the log refuses (a NUL in its text), at
    ``seq``: evidence, which holds the source back there."""
    body = {
        "spec": SPEC,
        "id": str(uuid.uuid4()),
        "source": SOURCE,
        "seq": seq,
        "type": "trip.approved",
        "trip_id": str(trip),
        "occurred_at": "2026-03-02T10:00:00Z",
        "data": {"name": "Ana\x00Rocha", "padding": "x" * padding},
    }
    return canonical_bytes(signed_as_is(SOURCE_SIGNER, body))


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def ingesting(ledger: Ledger, **limits: Any) -> Ingestor:
    """An ingestor of the test source into ``ledger``, with ``limits`` (``unsigned_rows``)."""
    return Ingestor(
        ledger.engine, {SOURCE: "http://127.0.0.1:9"}, httpx.Client(), source_keys(), **limits
    )


def take(ledger: Ledger, ingestor: Ingestor, values: list[bytes], first: int = 0) -> None:
    """Records carrying ``values`` at offsets from ``first``, in one transaction."""
    with Session(ledger.engine) as session:
        records = [Record("t", 0, first + i, None, v) for i, v in enumerate(values)]
        ingestor.handle(session, ingestor.prepare(records))
        session.commit()


def test_unsigned_refusals_past_the_limit_are_counted_not_kept_and_said_once_a_minute(
    ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    clock = Clock()
    ingestor = ingesting(ledger, unsigned_rows=3)
    ingestor.quarantine.clock = clock
    before = not_kept()
    garbage = [f"garbage {i}".encode() for i in range(7)]
    caplog.set_level(logging.WARNING, logger="ledger.ingest.quarantine")
    take(ledger, ingestor, garbage[:5])
    take(ledger, ingestor, garbage[:1])  # a redelivery of one kept: listed once, not counted
    clock.now = 30.0
    take(ledger, ingestor, garbage[5:6], first=5)
    assert [r.getMessage().startswith(NOT_KEPT) for r in caplog.records].count(True) == 1
    clock.now = 61.0
    take(ledger, ingestor, garbage[6:], first=6)
    said = [r for r in caplog.records if r.getMessage().startswith(NOT_KEPT)]
    said_of = [(r.__dict__["not_kept"], r.__dict__["origin"]) for r in said]
    assert said_of == [(1, "t/0/3"), (3, "t/0/6")]  # the first, then the sum of a minute
    assert not_kept() - before == 4
    assert [q.raw for q in ledger.kept()] == garbage[:3]
    assert [(q["raw"], q["sha256"]) for q in listed(ledger)] == [
        (None, hashlib.sha256(g).hexdigest()) for g in garbage[:3]
    ]

    # A restarted writer counts the rows kept from the database, once.
    again = ingesting(ledger, unsigned_rows=3)
    take(ledger, again, [b"garbage again"], first=9)
    assert not_kept() - before == 5
    assert len(ledger.kept()) == 3


def test_what_a_source_signed_is_kept_whole_past_the_limit_and_holds_its_source(
    ledger: Ledger,
) -> None:
    trip = uuid.uuid4()
    ingestor = ingesting(ledger, unsigned_rows=1)
    first = make_event(1, trip)
    evidence = signed_with_a_nul(2, trip, padding=3 * PREFIX)
    before = not_kept()
    take(ledger, ingestor, [first.leaf, b"garbage 1", b"garbage 2", evidence])
    assert not_kept() - before == 1
    kept = ledger.kept()
    assert [q.raw for q in kept] == [b"garbage 1", evidence]
    assert [q.signed for q in kept] == [False, True]
    [_, shown] = listed(ledger)
    assert (shown["raw"], shown["source"], shown["seq"]) == (evidence.decode(), SOURCE, 2)
    assert (shown["sha256"], shown["size"]) == (hashlib.sha256(evidence).hexdigest(), len(evidence))
    with Session(ledger.engine) as session:
        assert [(h.source, h.seq) for h in held(session, [SOURCE], source_keys())] == [(SOURCE, 2)]
    sources = ledger.get("/readyz").json()["checks"]["sources"]
    assert [(h["source"], h["seq"]) for h in sources["held"]] == [(SOURCE, 2)]
    with Session(ledger.engine) as session:
        own = Signer("test-city/ledger", keyfile.from_seed(SEED))
        resolve(session, SOURCE, 2, "a NUL in a name", own, [SOURCE], source_keys())
        session.commit()
    assert ledger.get("/readyz").json()["checks"]["sources"]["held"] == []


def test_a_signed_refusal_sent_again_at_other_offsets_or_spelt_otherwise_is_one_row(
    ledger: Ledger,
) -> None:
    """What a source signed is kept always, so it must not be a way round the limit: sent
    again from other offsets, with other spacing or its members in another order, it is
    still the one event its source signed, listed once, as the source signed it."""
    trip = uuid.uuid4()
    ingestor = ingesting(ledger, unsigned_rows=1)
    evidence = signed_with_a_nul(2, trip, padding=PREFIX)
    value = json.loads(evidence)
    spelt = [
        json.dumps(value, indent=2).encode(),
        json.dumps(dict(reversed(value.items()))).encode(),
        json.dumps(value, separators=(" , ", " : ")).encode(),
    ]
    take(ledger, ingestor, [make_event(1, trip).leaf])
    for offset in range(10, 14):
        take(ledger, ingestor, [evidence], first=offset)
    take(ledger, ingestor, spelt, first=20)
    kept = ledger.kept()
    assert [(q.raw, q.signed, q.seq) for q in kept] == [(evidence, True, 2)]
    assert [q["raw"] for q in listed(ledger)] == [evidence.decode()]


def test_an_unsigned_message_is_kept_in_part_with_the_digest_and_size_of_the_whole(
    ledger: Ledger,
) -> None:
    spec = '"spec": "periplus.event/2"'
    large = f'{{"padding": "{"x" * 300_000}", {spec}}}'.encode()
    ingestor = ingesting(ledger)
    for _ in range(2):  # redelivered from the same offset: listed once
        take(ledger, ingestor, [large], first=7)
    [row] = listed(ledger)
    assert (row["raw"], row["size"]) == (None, len(large))
    assert row["sha256"] == hashlib.sha256(large).hexdigest()
    assert [q.raw for q in ledger.kept()] == [large[:PREFIX]]
    assert len(row["reason"]) <= 2000


def test_the_setting_reaches_the_consumer_of_the_broker(database_url: str, broker: Broker) -> None:
    topic = f"trips-{uuid.uuid4().hex[:8]}"
    ensure_topic(broker.connection, topic)
    options = {
        "ingest_enabled": True,
        "kafka_bootstrap": broker.bootstrap,
        "trips_topic": topic,
        "entries_topic": f"entries-{topic}",
        "checkpoint_interval": 0.1,
        "quarantine_unsigned_rows": 2,
    }
    with serve(database_url, **options) as ledger:
        before = not_kept()
        trip = uuid.uuid4()
        evidence = signed_with_a_nul(2, trip)
        garbage = [f"garbage {i}".encode() for i in range(4)]
        produce(broker, topic, [make_event(1, trip).leaf, *garbage, evidence])
        eventually(lambda: len(listed(ledger)) == 3)
        rows = listed(ledger)
        assert [q["sha256"] for q in rows[:2]] == [
            hashlib.sha256(g).hexdigest() for g in garbage[:2]
        ]
        assert (rows[2]["source"], rows[2]["seq"], rows[2]["raw"]) == (SOURCE, 2, evidence.decode())
        assert not_kept() - before == 2
        assert "ledger_quarantine_not_kept_total" in ledger.get("/metrics").text
