"""Only the configured sources may write into the log."""

import json
import uuid

from ledger.testing import event as make_event
from ledger.testing import serve
from periplus.kafka import ensure_topic, make_producer
from periplus.testing import Broker, eventually


def test_an_unknown_source_or_an_unhashable_event_is_quarantined_not_logged(
    database_url: str, broker: Broker
) -> None:
    topic = f"trips-{uuid.uuid4().hex[:8]}"
    ensure_topic(broker.bootstrap, topic)
    trip = uuid.uuid4()
    intruder = make_event(1, trip, source="elsewhere/trips-api")
    genuine = make_event(1, trip)
    # Valid JSON, but no RFC 8785 form: an integer past 2^53 cannot be hashed alike everywhere.
    unhashable = {**genuine.to_json(), "id": str(uuid.uuid4()), "seq": 2, "data": {"n": 2**60}}
    producer = make_producer(broker.bootstrap)
    for raw in (intruder.leaf, genuine.leaf, json.dumps(unhashable).encode()):
        producer.send(topic, value=raw)
    producer.flush(timeout=10)
    producer.close()

    options = {
        "ingest_enabled": True,
        "kafka_bootstrap": broker.bootstrap,
        "trips_topic": topic,
        "entries_topic": f"entries-{topic}",
        "checkpoint_interval": 0.1,
    }
    with serve(database_url, **options) as ledger:
        entries = eventually(
            lambda: ledger.get("/v1/log/entries", start=0, end=10).json()["entries"]
        )
        assert [e["event"]["id"] for e in entries] == [str(genuine.id)]
        quarantined = eventually(
            lambda: (q := ledger.get("/v1/log/quarantine").json()["events"]) and len(q) == 2 and q
        )
        reason = {
            identity: q["reason"]
            for q in quarantined
            for identity in (str(intruder.id), unhashable["id"])
            if identity in q["raw"]
        }
        assert "'elsewhere/trips-api' is not one of this log's sources" in reason[str(intruder.id)]
        assert "no RFC 8785 form" in reason[unhashable["id"]]
