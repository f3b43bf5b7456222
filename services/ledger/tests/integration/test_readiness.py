"""``/readyz`` of the ledger: a standby that does not hold the writer role still serves the
log and is ready; the role is reported, as is a broker that is down, the consumer's lag,
the quarantine and the sources held back, on the writer and a standby alike."""

import uuid
from typing import Any

from sqlmodel import Session

from ledger.ingest.records import Received
from ledger.ingest.service import HELD, Ingestor
from ledger.log.fact import fact
from ledger.testing import SOURCE, Ledger, event, produce, serve
from periplus.kafka import ensure_topic
from periplus.testing import Broker, eventually


def test_the_writer_role_is_reported_and_a_standby_is_ready_too(database_url: str) -> None:
    with serve(database_url) as writer, serve(database_url) as standby:
        first, second = writer.get("/readyz"), standby.get("/readyz")
        metrics = standby.get("/metrics").text
    assert (first.status_code, second.status_code) == (200, 200)
    assert first.json()["checks"]["writer"] == {"status": "ok", "required": False, "writer": True}
    assert second.json()["checks"]["writer"]["writer"] is False
    assert first.json()["checks"]["broker"]["status"] == "failing"  # nothing at 127.0.0.1:1
    assert 'readiness_check_value{check="writer",field="writer",service="ledger"} 0.0' in metrics


def consuming(ledger: Ledger) -> dict[str, Any]:
    return dict(ledger.get("/readyz").json()["checks"]["consumer"])


def test_a_standby_reports_held_sources_and_the_quarantine(database_url: str) -> None:
    """What ingestion did shows on every process of the log: it is in their database."""
    trip = uuid.uuid4()
    # A value the database refuses (NOT NULL), under the source's signature: seq 2 held.
    refused = fact(event(2, trip))._replace(trip_id=None)  # type: ignore[arg-type]
    with serve(database_url) as writer, serve(database_url) as standby:
        writer.append([event(1, trip)])
        ingestor = Ingestor(writer.engine, {SOURCE: ""}, writer.http)
        with Session(writer.engine) as session:
            ingestor.handle(session, [Received("t/0/1", b"", refused)])
            session.commit()
        HELD.labels(SOURCE).set(0)  # what the writer's ingestion would have said
        ready = standby.get("/readyz")
        metrics = standby.get("/metrics").text
    assert ready.status_code == 200  # held back and quarantined are detail, not unready
    checks = ready.json()["checks"]
    assert checks["quarantine"] == {"status": "ok", "required": False, "count": 1}
    assert checks["sources"]["status"] == "failing"
    assert [(h["source"], h["seq"]) for h in checks["sources"]["held"]] == [(SOURCE, 2)]
    assert checks["consumer"] == {
        "status": "failing",
        "required": False,
        "error": "the broker gives no log end",
        "offset": 0,
        "lag": None,
    }
    assert f'ledger_source_held_seq{{source="{SOURCE}"}} 2.0' in metrics
    assert 'readiness_check_value{check="quarantine",field="count",service="ledger"} 1.0' in metrics


def test_the_consumer_lag_is_what_the_broker_holds_past_the_offsets_committed(
    database_url: str, broker: Broker
) -> None:
    topic = f"trips-{uuid.uuid4().hex[:8]}"
    ensure_topic(broker.connection, topic)
    trip = uuid.uuid4()
    produce(broker, topic, [event(seq, trip).leaf for seq in (1, 2, 3)])
    options = {"kafka_bootstrap": broker.bootstrap, "trips_topic": topic}
    with serve(database_url, **options) as idle:  # takes no events
        consumer = idle.get("/readyz").json()["checks"]["consumer"]
        metrics = idle.get("/metrics").text
    # Kafka would say 3; the test broker (Tansu 0.6) gives the start of the last batch as
    # the log's end, so it says less, but not nothing.
    assert (consumer["status"], consumer["offset"]) == ("ok", 0)
    assert 0 < consumer["lag"] <= 3
    gauge = 'readiness_check_value{check="consumer",field="lag",service="ledger"} '
    assert f"{gauge}{float(consumer['lag'])}" in metrics
    with (
        serve(database_url, ingest_enabled=True, checkpoint_interval=0.1, **options) as writer,
        serve(database_url, **options) as standby,
    ):
        eventually(lambda: consuming(standby)["offset"] == 3)  # as the writer committed
        assert consuming(standby)["lag"] == 0
        assert consuming(writer) == consuming(standby)
