"""Only the configured sources may write into the log."""

import uuid

from ledger.testing import event as make_event
from ledger.testing import serve
from periplus.kafka import ensure_topic, make_producer
from periplus.testing import Broker, eventually


def test_an_unknown_source_is_quarantined_not_logged(database_url: str, broker: Broker) -> None:
    topic = f"trips-{uuid.uuid4().hex[:8]}"
    ensure_topic(broker.bootstrap, topic)
    trip = uuid.uuid4()
    intruder = make_event(1, trip, source="elsewhere/trips-api")
    genuine = make_event(1, trip)
    producer = make_producer(broker.bootstrap)
    for envelope in (intruder, genuine):
        producer.send(topic, value=envelope.model_dump_json().encode())
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
        quarantined = eventually(lambda: ledger.get("/v1/log/quarantine").json()["events"])
        assert len(quarantined) == 1
        assert "elsewhere/trips-api" in quarantined[0]["reason"]
        assert str(intruder.id) in quarantined[0]["raw"]
