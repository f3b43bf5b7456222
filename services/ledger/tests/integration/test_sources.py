"""Only the configured sources may write into the log, and only what they signed."""

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session

from ledger.ingest.service import Ingestor
from ledger.testing import SOURCE, SOURCE_SIGNER, Ledger, produce, serve, source_keys
from ledger.testing import event as make_event
from periplus import sources
from periplus.events import UNSIGNED_SPEC, Envelope
from periplus.kafka import Record, ensure_topic
from periplus.note import Signer
from periplus.testing import Broker, eventually


@pytest.fixture
def consuming(database_url: str, broker: Broker) -> Iterator[tuple[str, Ledger]]:
    """A ledger consuming a topic of its own from the real broker."""
    topic = f"trips-{uuid.uuid4().hex[:8]}"
    ensure_topic(broker.connection, topic)
    options = {
        "ingest_enabled": True,
        "kafka_bootstrap": broker.bootstrap,
        "trips_topic": topic,
        "entries_topic": f"entries-{topic}",
        "checkpoint_interval": 0.1,
    }
    with serve(database_url, **options) as ledger:
        yield topic, ledger


def logged(ledger: Ledger) -> list[dict[str, Any]]:
    return [e["event"] for e in ledger.get("/v1/log/entries", start=0, end=100).json()["entries"]]


def quarantined(ledger: Ledger, count: int) -> dict[str, str]:
    """Event id (found in the bytes kept) -> reason, once ``count`` are listed."""
    eventually(lambda: len(ledger.get("/v1/log/quarantine").json()["events"]) >= count)
    return {json.loads(q.raw).get("id", ""): q.reason for q in ledger.kept() if q.raw[:1] == b"{"}


def forged_signer(name: str = SOURCE) -> Signer:
    return Signer(name, Ed25519PrivateKey.generate())


def rotated(seq: int, to: Signer) -> Envelope:
    """A rotation at ``seq``, signed by the source's configured key, naming ``to``."""
    return sources.rotation(SOURCE_SIGNER, seq, to.verifier)


def ingest(ledger: Ledger, ingestor: Ingestor, envelopes: Iterable[Envelope]) -> None:
    """Records carrying ``envelopes``, taken in one transaction as the consumer takes a batch."""
    with Session(ledger.engine) as session:
        records = [Record("t", 0, i, None, e.leaf) for i, e in enumerate(envelopes)]
        ingestor.handle(session, ingestor.prepare(records))
        session.commit()


def test_an_unknown_source_or_an_unhashable_event_is_quarantined_not_logged(
    consuming: tuple[str, Ledger], broker: Broker
) -> None:
    topic, ledger = consuming
    trip = uuid.uuid4()
    intruder = make_event(1, trip, signer=forged_signer("elsewhere/trips-api"))
    genuine = make_event(1, trip)
    # Valid JSON, but no RFC 8785 form: an integer past 2^53 cannot be hashed alike everywhere.
    unhashable = {**genuine.to_json(), "id": str(uuid.uuid4()), "seq": 2, "data": {"n": 2**60}}
    produce(broker, topic, [intruder.leaf, genuine.leaf, json.dumps(unhashable).encode()])
    eventually(lambda: [e["id"] for e in logged(ledger)] == [str(genuine.id)])
    reason = quarantined(ledger, 2)
    assert "'elsewhere/trips-api' is not one of this log's sources" in reason[str(intruder.id)]
    assert "no RFC 8785 form" in reason[unhashable["id"]]


def _unsigned(envelope: Envelope) -> bytes:
    value = envelope.to_json(signed=False)
    return json.dumps({**value, "spec": UNSIGNED_SPEC}).encode()


def _tampered(envelope: Envelope) -> bytes:
    return json.dumps({**envelope.to_json(), "data": {"n": 9_999_999}}).encode()


@pytest.mark.parametrize(
    ("forge", "reason"),
    [
        (lambda seq, trip: make_event(seq, trip, signer=forged_signer()).leaf, "not a key of"),
        (lambda seq, trip: _tampered(make_event(seq, trip)), "does not verify"),
        (lambda seq, trip: _unsigned(make_event(seq, trip)), "unsigned periplus.event/1"),
        (
            lambda seq, trip: make_event(seq, trip, "entry.withheld", {"index": 0}).leaf,
            "only the ledger itself may state a withholding",
        ),
        (
            lambda seq, trip: (
                make_event(
                    seq, trip, "source.seq_resolved", {"source": SOURCE, "seq": 2, "reason": "mine"}
                ).leaf
            ),
            "only the ledger itself may resolve a seq",
        ),
    ],
    ids=[
        "another key",
        "changed after signing",
        "unsigned",
        "withholding from a source",
        "resolution from a source",
    ],
)
def test_a_forged_event_is_quarantined_and_the_real_one_takes_its_seq(
    consuming: tuple[str, Ledger],
    broker: Broker,
    forge: Callable[[int, uuid.UUID], bytes],
    reason: str,
) -> None:
    """Someone who can write to the broker sends seq 2 before the city does."""
    topic, ledger = consuming
    trip = uuid.uuid4()
    real = [make_event(seq, trip) for seq in (1, 2, 3)]
    forged = forge(2, trip)
    produce(broker, topic, [real[0].leaf, forged])
    eventually(lambda: len(ledger.get("/v1/log/quarantine").json()["events"]) == 1)
    produce(broker, topic, [real[1].leaf, real[2].leaf])
    eventually(lambda: [e["id"] for e in logged(ledger)] == [str(e.id) for e in real])
    [refused] = ledger.get("/v1/log/quarantine").json()["events"]
    assert reason in refused["reason"]
    # What the source signed is public, refused or not; anything else is kept for the
    # operator and listed by its digest alone.
    [kept] = ledger.kept()
    assert json.loads(kept.raw)["seq"] == 2
    assert refused["sha256"] == hashlib.sha256(kept.raw).hexdigest()
    its_own = reason.startswith("only the ledger itself")
    assert refused["raw"] == (kept.raw.decode() if its_own else None)


def test_a_rotation_signed_by_the_key_in_force_hands_over_to_the_new_key(
    ledger: Ledger,
) -> None:
    trip = uuid.uuid4()
    new = forged_signer()
    rotation = rotated(2, new)
    first = make_event(1, trip)
    by_new, by_old = make_event(3, trip, signer=new), make_event(3, trip)
    ingestor = Ingestor(
        ledger.engine, {SOURCE: "http://127.0.0.1:9"}, httpx.Client(), source_keys()
    )

    def take(*envelopes: Envelope) -> None:
        ingest(ledger, ingestor, envelopes)

    take(first, rotation, by_old)  # the old key signs nothing after its rotation
    take(by_new)
    assert [e["id"] for e in logged(ledger)] == [str(first.id), str(rotation.id), str(by_new.id)]
    [refused] = ledger.get("/v1/log/quarantine").json()["events"]
    assert "retired after seq 2" in refused["reason"]

    # A restarted ledger reads the rotation back from its log.
    again = Ingestor(ledger.engine, {SOURCE: "http://127.0.0.1:9"}, httpx.Client(), source_keys())
    again.load_rotations()
    assert again.keys.check(by_new) == new.verifier
    with pytest.raises(ValueError, match="retired"):
        again.keys.check(by_old)


def test_a_leaked_retired_key_can_neither_name_a_key_nor_take_a_seq(ledger: Ledger) -> None:
    """The city rotated away from a key that then leaked. Whoever holds it and can write to
    the broker signs a rotation at an old seq naming a key of their own, then an event
    with it: neither is logged, and the city's real next event still takes its seq."""
    trip = uuid.uuid4()
    new, attacker = forged_signer(), forged_signer()
    ingestor = Ingestor(
        ledger.engine, {SOURCE: "http://127.0.0.1:9"}, httpx.Client(), source_keys()
    )

    def take(*envelopes: Envelope) -> None:
        ingest(ledger, ingestor, envelopes)

    real = [make_event(1, trip), rotated(2, new), make_event(3, trip, signer=new)]
    take(*real[:2])
    take(rotated(1, attacker), make_event(3, trip, signer=attacker))
    take(real[2])
    assert [e["id"] for e in logged(ledger)] == [str(e.id) for e in real]
    reasons = [q["reason"] for q in ledger.get("/v1/log/quarantine").json()["events"]]
    assert any("retired at seq 2; only a key in force" in r for r in reasons)
    assert not any("another event" in r for r in reasons)  # no alarm on the real seq 3


def test_a_source_that_takes_another_sources_event_id_keeps_nothing_out(
    ledger: Ledger, caplog: pytest.LogCaptureFixture
) -> None:
    """A second city (or whoever holds its key) signs an event carrying the first city's
    next event id, seen on the broker, and gets it logged first: the first city's real
    event is still logged at its seq, and the clash is said aloud."""
    other = forged_signer("other-city/trips-api")
    keys = sources.SourceKeys.configured(
        {SOURCE: [str(SOURCE_SIGNER.verifier)], other.name: [str(other.verifier)]}
    )
    catch_up = {SOURCE: "http://127.0.0.1:9", other.name: "http://127.0.0.1:9"}
    ingestor = Ingestor(ledger.engine, catch_up, httpx.Client(), keys)
    real = make_event(1, uuid.uuid4())
    squat = sources.sign(
        other, seq=1, type_="trip.cancelled", trip_id=uuid.uuid4(), data={}, event_id=real.id
    )
    ingest(ledger, ingestor, [squat])
    ingest(ledger, ingestor, [real])
    assert [(e["source"], e["seq"], e["id"]) for e in logged(ledger)] == [
        (other.name, 1, str(real.id)),
        (SOURCE, 1, str(real.id)),
    ]
    assert ledger.get("/v1/log/quarantine").json()["events"] == []
    assert "an event carries an id that an entry of another source holds" in caplog.text


def test_a_refusal_that_quotes_a_nul_is_listed_and_ingestion_goes_on(ledger: Ledger) -> None:
    """Whoever can write to the broker sends a key (or a source) with a NUL, which
    PostgreSQL stores in no text: the refusal quotes it escaped, and the real events of
    the batch are logged."""
    spec = '"spec": "periplus.event/2"'
    keyed = f'{{"\\u0000": 1, {spec}}}'.encode()
    named = f'{{"source": "{SOURCE}\\u0000", "seq": 1, {spec}}}'.encode()
    trip = uuid.uuid4()
    real = [make_event(1, trip), make_event(2, trip)]
    ingestor = Ingestor(
        ledger.engine, {SOURCE: "http://127.0.0.1:9"}, httpx.Client(), source_keys()
    )
    values = [keyed, named, *(e.leaf for e in real)]
    with Session(ledger.engine) as session:
        records = [Record("t", 0, i, None, value) for i, value in enumerate(values)]
        ingestor.handle(session, ingestor.prepare(records))
        session.commit()
    assert [e["id"] for e in logged(ledger)] == [str(e.id) for e in real]
    rows = ledger.get("/v1/log/quarantine").json()["events"]
    assert [(q["raw"], q["source"], q["seq"]) for q in rows] == [(None, None, None)] * 2
    assert [q.raw for q in ledger.kept()] == [keyed, named]
    assert rows[0]["reason"].endswith("; \\u0000: Extra inputs are not permitted")
