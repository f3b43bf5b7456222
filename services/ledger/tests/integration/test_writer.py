"""Ingestion from the real broker, quarantine, and one writer with takeover."""

import hashlib
import json
import os
import subprocess
import sys
import uuid
from contextlib import ExitStack

from ledger.testing import SEED, Ledger, event, serve
from periplus.kafka import Producer, ensure_topic, make_producer
from periplus.local import wait_for_port
from periplus.testing import Broker, eventually, free_port


def signed_size(ledger: Ledger) -> int:
    return int(ledger.get("/v1/log/checkpoint").text.split("\n")[1])


def seqs(ledger: Ledger) -> list[int]:
    entries = ledger.get("/v1/log/entries", start=0, end=1000).json()["entries"]
    return [e["event"]["seq"] for e in entries]


def send(producer: Producer, topic: str, values: list[bytes]) -> None:
    for value in values:
        producer.send(topic, value=value)
    producer.flush(timeout=10)


def test_one_writer_appends_a_second_reads_then_takes_over(
    database_url: str, broker: Broker
) -> None:
    topic = f"trips-{uuid.uuid4().hex[:8]}"
    ensure_topic(broker.connection, topic)
    producer = make_producer(broker.connection)
    trip = uuid.uuid4()
    events = [event(seq, trip).model_dump_json().encode() for seq in range(1, 9)]
    malformed = [b"not json", json.dumps({"spec": "periplus.event/9", "id": "x"}).encode()]
    send(producer, topic, [events[1], events[0], *malformed, *events[2:5], events[3]])
    options = {
        "ingest_enabled": True,
        "kafka_bootstrap": broker.bootstrap,
        "trips_topic": topic,
        "entries_topic": f"entries-{topic}",
        "writer_retry": 0.2,
        "checkpoint_interval": 0.1,
    }
    with ExitStack() as first_process:
        writer = first_process.enter_context(serve(database_url, **options))
        with serve(database_url, **options) as reader:
            assert writer.is_writer
            assert not reader.is_writer
            eventually(lambda: signed_size(writer) == 5)
            assert seqs(reader) == [1, 2, 3, 4, 5]
            assert reader.get("/v1/log/checkpoint").text == writer.get("/v1/log/checkpoint").text
            quarantined = reader.get("/v1/log/quarantine").json()["events"]
            # No source signed them: listed by digest, their bytes kept out of public view.
            assert [(q["raw"], q["sha256"], q["size"]) for q in quarantined] == [
                (None, hashlib.sha256(m).hexdigest(), len(m)) for m in malformed
            ]
            assert "not JSON" in quarantined[0]["reason"]
            assert "unsupported spec" in quarantined[1]["reason"]
            assert "ledger_events_quarantined_total" in reader.get("/metrics").text
            assert not reader.is_writer

            first_process.close()  # the writer goes away
            send(producer, topic, events[5:])
            eventually(lambda: reader.is_writer, timeout=30)
            eventually(lambda: signed_size(reader) == 8, timeout=30)
            assert seqs(reader) == list(range(1, 9))
    producer.close(timeout=2)


def test_a_reader_takes_over_when_the_writer_process_dies(database_url: str) -> None:
    port = free_port()
    env = {
        **os.environ,
        "LEDGER_PORT": str(port),
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_SIGNING_KEY": SEED,
        "LEDGER_ORIGIN": "periplus.test/ledger",
        "LEDGER_INGEST_ENABLED": "false",
        "LEDGER_LOG_LEVEL": "WARNING",
    }
    writer = subprocess.Popen(
        [sys.executable, "-m", "ledger.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port)
        with serve(database_url, writer_retry=0.2) as reader:
            assert not reader.is_writer
            writer.kill()  # no clean shutdown: the lock goes with the process
            writer.wait(timeout=10)
            eventually(lambda: reader.is_writer, timeout=30)
            reader.fill(3)
            assert signed_size(reader) == 3
    finally:
        if writer.poll() is None:
            writer.kill()
            writer.wait(timeout=10)
