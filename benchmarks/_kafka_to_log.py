"""Kafka to log: events waiting in a real Kafka-protocol broker (Tansu), then ``ledger
serve`` started in its own process on them; the rate into the durable log and under a
signed checkpoint, the ledger's CPU time per event, against the rate at which the same
events are merely read back from the broker (see ``benchmarks.ledger``)."""

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text

from benchmarks._postgres import create_database, drop_database
from ledger.testing import SOURCE, SOURCE_SIGNER, event
from periplus.events import TRIPS_TOPIC, Envelope
from periplus.kafka import Connection, Producer, TopicReader, ensure_topic, make_producer
from periplus.local import wait_for_port
from periplus.testing import Broker, free_port


def _snapshot(number: int) -> dict[str, Any]:
    """A trip snapshot of about 2.4 KB, shaped like trips-api's: nested travellers, agenda
    and costs, non-ASCII text."""
    return {
        "reference": f"MVD-2026-{number:04d}",
        "title": "Participación en la Cumbre de Alcaldes C40 — São Paulo",
        "purpose": "Presentar el plan de movilidad eléctrica y acordar con la red "
        "un préstamo técnico para la renovación de la flota de autobuses. " * 4,
        "lead_department": "international",
        "departments": ["international", "mobility", "environment"],
        "sdg_goals": [11, 13],
        "sdg_targets": ["11.2", "11.6", "13.2"],
        "destination": {"city": "São Paulo", "country": "BR"},
        "starts_on": "2026-03-02",
        "ends_on": "2026-03-06",
        "travellers": [
            {"name": name, "role": role, "department": "international"}
            for name, role in (("Ana Núñez", "mayor"), ("João Pires", "advisor"))
        ],
        "agenda": [
            {
                "date": f"2026-03-0{day}",
                "item": f"Sesión {day}: financiación climática",
                "with": "C40",
            }
            for day in range(2, 10)
        ],
        "costs": [
            {"category": c, "amount": a, "currency": "EUR", "payer": p}
            for c, a, p in (
                ("flights", "2480.00", "city"),
                ("lodging", "1320.50", "network"),
                ("per_diem", "640.00", "city"),
            )
        ],
        "totals": {"EUR": "4440.50"},
    }


def _trip_life(seq: int, trip: uuid.UUID, number: int) -> list[Envelope]:
    """Five events of one trip, shaped and sized like trips-api's: two snapshots (see
    ``_snapshot``) and three smaller events."""
    snapshot = _snapshot(number)
    # What every smaller event repeats of its trip, as trips-api's do.
    header = {key: snapshot[key] for key in ("reference", "title", "lead_department", "sdg_goals")}
    header["summary"] = snapshot["purpose"][:300]
    kinds: list[tuple[str, dict[str, Any]]] = [
        ("trip.approved", {"trip": snapshot}),
        (
            "trip.amended",
            {
                **header,
                "changes": {"ends_on": ["2026-03-05", "2026-03-06"]},
                "reason": "La sesión final se trasladó un día.",
            },
        ),
        ("trip.completed", {**header, "returned_on": "2026-03-06"}),
        ("trip.reported", {"trip": {**snapshot, "results": ["Préstamo técnico acordado"] * 4}}),
        (
            "trip.closed",
            {**header, "followups": [{"id": "f1", "status": "done", "note": "Convenio firmado"}]},
        ),
    ]
    return [
        event(seq + i, trip, type_=kind, data=data, day=1 + i)
        for i, (kind, data) in enumerate(kinds)
    ]


def _events(count: int, trip_like: bool) -> list[bytes]:
    """``count`` events of one source in seq order, as trips-api sends them (canonical bytes):
    small ones (about 450 bytes), or trip life cycles (see ``_trip_life``)."""
    if not trip_like:
        return [
            event(i + 1, uuid.uuid4(), data={"n": i, "pad": "x" * 300}).leaf for i in range(count)
        ]
    envelopes: list[Envelope] = []
    while len(envelopes) < count:
        envelopes += _trip_life(len(envelopes) + 1, uuid.uuid4(), len(envelopes) // 5)
    return [e.leaf for e in envelopes[:count]]


def _read_rate(connection: Connection, count: int) -> float:
    """The baseline: events per second read back from the same topic, doing nothing else."""
    reader = TopicReader(connection, TRIPS_TOPIC)
    try:
        reader.seek({})
        started, read = time.perf_counter(), 0
        while read < count:
            read += len(reader.poll(200))
        return count / (time.perf_counter() - started)
    finally:
        reader.close()


def _cpu_seconds(pid: int) -> float:
    """The CPU time (user and system, every thread) a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _appended(reader: Engine) -> int:
    """Entries the log holds, committed: read from the database rather than from
    ``/metrics``, whose readiness checks, run afresh on each request, would take
    the ledger's own CPU at this rate of polling."""
    with reader.connect() as connection:
        last = connection.execute(text('SELECT MAX("index") FROM entry')).scalar()
    return 0 if last is None else int(last) + 1


def _ledger_env(tmp: str, database_url: str, port: int, bootstrap: str) -> dict[str, str]:
    """``ledger serve``'s settings over ``database_url``: a key of its own, and the events'
    source pinned."""
    return {
        **os.environ,
        "LEDGER_PORT": str(port),
        "LEDGER_DATABASE_URL": database_url,
        # A key and a record of the last signed checkpoint of this log alone.
        "LEDGER_SIGNING_KEY_FILE": f"{tmp}/e2e-{uuid.uuid4().hex[:8]}.key",
        "LEDGER_KAFKA_BOOTSTRAP": bootstrap,
        # The events' source is configured (its catch-up endpoint answers nothing).
        # Every event's signature is checked under the source's pinned key.
        "LEDGER_SOURCES": json.dumps(
            {SOURCE: {"url": "http://127.0.0.1:9", "keys": [str(SOURCE_SIGNER.verifier)]}}
        ),
        "LEDGER_LOG_LEVEL": "WARNING",
    }


def _ingestion(
    pid: int, reader: Engine, signed: Callable[[], int], count: int
) -> tuple[int, float, float, float]:
    """Timed from the first committed batch (the start-up is not ingestion): the events
    timed, the seconds until ``count`` are durable and until a signed checkpoint covers
    them, and the ledger process's CPU seconds until they are durable."""
    while (first := _appended(reader)) == 0:
        time.sleep(0.01)
    started, cpu = time.perf_counter(), _cpu_seconds(pid)
    while _appended(reader) < count:
        time.sleep(0.05)
    durable = time.perf_counter() - started
    cpu = _cpu_seconds(pid) - cpu
    while signed() < count:
        time.sleep(0.05)
    covered = time.perf_counter() - started
    return count - first, durable, covered, cpu


def kafka_to_log(
    tmp: str, database_url: str, count: int, trip_like: bool = False, steady: int = 0
) -> dict[str, Any]:
    """Events waiting in the broker, then ``ledger serve`` started on them: the rate from
    the broker into the durable log (committed) and under a signed checkpoint."""
    payloads = _events(count + steady, trip_like)
    broker = Broker()
    broker.start()
    port = free_port()
    server: subprocess.Popen[bytes] | None = None
    reader: Engine | None = None
    try:
        ensure_topic(broker.connection, TRIPS_TOPIC)
        producer = make_producer(broker.connection)
        for payload in payloads[:count]:
            producer.send(TRIPS_TOPIC, payload)
        producer.flush(timeout=60)
        baseline = _read_rate(broker.connection, count)
        server = subprocess.Popen(
            [sys.executable, "-m", "ledger.cli", "serve"],
            env=_ledger_env(tmp, database_url, port, broker.bootstrap),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        wait_for_port(port, timeout=60)
        reader = create_engine(database_url)
        with httpx.Client(timeout=10) as http:

            def signed() -> int:
                return int(http.get(f"{url}/v1/log/checkpoint").text.split("\n")[1])

            timed, durable, covered, cpu = _ingestion(server.pid, reader, signed, count)
            figures: dict[str, Any] = {
                "events": count,
                "mean_event_bytes": round(sum(map(len, payloads)) / len(payloads)),
                "into_durable_log_events_per_s": round(timed / durable),
                "under_signed_checkpoint_events_per_s": round(timed / covered),
                "ledger_cpu_us_per_event": round(cpu / timed * 1e6, 1),
                "baseline_read_events_per_s": round(baseline),
                "ratio_to_baseline": round(timed / durable / baseline, 3),
            }
            if steady:
                figures.update(_steady(producer, signed, payloads[count:], count))
        producer.close()
        return figures
    finally:
        if reader is not None:
            reader.dispose()
        if server is not None:
            server.terminate()
            server.wait(timeout=15)
        broker.stop()


def _steady(
    producer: Producer, signed: Callable[[], int], payloads: list[bytes], base: int
) -> dict[str, Any]:
    """For a stream of about 1,000 events a second, the delay from produce to a signed
    checkpoint that covers the event."""
    sent_at: list[float] = []
    covered: list[float] = []
    for i, payload in enumerate(payloads):
        producer.send(TRIPS_TOPIC, payload)
        producer.flush(timeout=10)
        sent_at.append(time.perf_counter())
        if i % 20 == 19:
            time.sleep(0.02)  # about 1000 events a second, in small bursts
        size = signed() if i % 5 == 0 else 0
        while len(covered) < size - base:
            covered.append(time.perf_counter())
    while len(covered) < len(payloads):
        size = signed()
        now = time.perf_counter()
        while len(covered) < size - base:
            covered.append(now)
        time.sleep(0.005)
    delays = sorted(c - s for c, s in zip(covered, sent_at, strict=True))
    return {
        "steady_events": len(payloads),
        "produce_to_signed_checkpoint_p50_ms": round(statistics.median(delays) * 1000),
        "produce_to_signed_checkpoint_p95_ms": round(delays[int(0.95 * len(delays))] * 1000),
        "checkpoint_interval_s": 0.5,
    }


def repeated(runs: int, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The run with the median rate into the durable log, with the range of all runs."""
    results = [measure() for _ in range(runs)]
    if any("skipped" in r for r in results):
        return results[0]
    results.sort(key=lambda r: r["into_durable_log_events_per_s"])
    rates = [r["into_durable_log_events_per_s"] for r in results]
    return {**results[len(results) // 2], "runs": runs, "range_events_per_s": [rates[0], rates[-1]]}


def on_postgresql(tmp: str, count: int, trip_like: bool = False) -> dict[str, Any]:
    url = create_database()
    if url is None:
        return {"skipped": "PostgreSQL does not answer"}
    try:
        return kafka_to_log(tmp, url, count, trip_like=trip_like)
    finally:
        drop_database(url)
