"""Ledger: append throughput against raw SHA-256, proof time as the log grows, memory.

- Append: events through the ingestor's exactly-once path into SQLite (and
  PostgreSQL when it answers), one transaction per batch of 1, 100 and 1000;
  the baseline is this machine's SHA-256 rate over the same leaves, measured
  in the same run, so the ratio says what the database and bookkeeping cost.
- Proofs: inclusion and consistency proofs served over real HTTP at 10^4,
  10^5 and 10^6 entries (the tree is filled straight into the tables, as
  appends would have left it); flat means the 10^6/10^4 ratio stays near 1.
- Checkpoint: the time to compute the root and sign at 10^6 entries, which
  bounds the delay from append to signed checkpoint with the interval.
- Memory: the serving process's resident set at 10^6 entries.
- Kafka to log: events waiting in a real Kafka-protocol broker (Tansu), then
  ``ledger serve`` started in its own process on them: the rate into the
  durable log (committed, timed from the first committed batch) and under a
  signed checkpoint, and the ledger process's CPU time per event (every thread,
  signature checks included), against the rate at which the same events are
  merely read back from the broker (the baseline);
  the median of three runs, small events and trip-like ones (2.4 KB
  snapshots). For a steady stream, the delay from produce to a signed
  checkpoint that covers the event (p50/p95), with the default interval.
"""

import hashlib
import json
import os
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, create_engine, text
from sqlmodel import Session

from benchmarks._postgres import create_database, drop_database
from ledger.ingest.service import Ingestor
from ledger.log.repository import NodeStore
from ledger.log.service import sign_checkpoint
from ledger.main import MIGRATIONS
from ledger.testing import SOURCE, SOURCE_SIGNER, event, serve
from periplus import db, merkle
from periplus.events import TRIPS_TOPIC, Envelope
from periplus.kafka import Connection, Producer, TopicReader, ensure_topic, make_producer
from periplus.local import wait_for_port
from periplus.testing import Broker, free_port

BATCHES = {1: 300, 100: 3000, 1000: 10000}
SIZES = (10_000, 100_000, 1_000_000)


def _rss_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def _sha_rate(leaves: list[bytes]) -> float:
    started = time.perf_counter()
    for leaf in leaves:
        hashlib.sha256(b"\x00" + leaf).digest()
    return len(leaves) / (time.perf_counter() - started)


def _append_rates(url: str) -> dict[str, Any]:
    engine = db.make_engine(url)
    db.upgrade(engine, MIGRATIONS)
    ingestor = Ingestor(engine, {}, httpx.Client())
    trip = uuid.uuid4()
    seq = 0
    out: dict[str, Any] = {}
    for batch, total in BATCHES.items():
        envelopes = [
            event(seq + i + 1, trip, data={"n": i, "pad": "x" * 300}) for i in range(total)
        ]
        sha = _sha_rate([e.leaf for e in envelopes])
        started = time.perf_counter()
        for i in range(0, total, batch):
            with Session(engine) as session:
                ingestor.ingest(session, envelopes[i : i + batch])
                session.commit()
        rate = total / (time.perf_counter() - started)
        seq += total
        out[f"batch_{batch}"] = {
            "events_per_s": round(rate),
            "sha256_leaves_per_s": round(sha),
            "ratio_to_sha256": round(rate / sha, 4),
        }
    engine.dispose()
    return out


class _Filler:
    """Grows the entry and node tables straight, as appends would leave them."""

    def __init__(self, path: Path) -> None:
        self.connection = sqlite3.connect(path)
        self.connection.execute("PRAGMA synchronous=OFF")
        self.compact = merkle.CompactRange()

    def grow(self, size: int) -> None:
        now = datetime.now(UTC).isoformat()
        trip = str(uuid.uuid4())
        while self.compact.size < size:
            entries: list[tuple[Any, ...]] = []
            nodes: list[tuple[int, int, bytes]] = []
            for _ in range(min(50_000, size - self.compact.size)):
                index = self.compact.size
                leaf = b'{"index":%d}' % index
                entries.append(
                    (
                        index,
                        f"{index:032x}",
                        "bench/src",
                        index + 1,
                        "trip.approved",
                        trip,
                        "2026-01-01T00:00:00Z",
                        leaf,
                        now,
                    )
                )
                nodes.extend(
                    (lv, ix, h)
                    for (lv, ix), h in self.compact.append(hashlib.sha256(b"\x00" + leaf).digest())
                )
            self.connection.executemany(
                'INSERT INTO entry ("index", event_id, source, seq, type, trip_id, occurred_at,'
                " leaf, appended_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                entries,
            )
            self.connection.executemany(
                'INSERT INTO node (level, "index", hash) VALUES (?, ?, ?)', nodes
            )
            self.connection.commit()

    def close(self) -> None:
        self.connection.close()


def _proof_times(url: str, size: int, samples: int = 100) -> dict[str, float]:
    rng = random.Random(size)
    with serve(url) as ledger:
        with Session(ledger.engine) as session:
            started = time.perf_counter()
            sign_checkpoint(session, ledger.signer)
            session.commit()
            signing = time.perf_counter() - started

        def timed(path: str, **params: int) -> float:
            started = time.perf_counter()
            response = ledger.get(path, **params)
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.text
            return elapsed

        for _ in range(20):
            timed("/healthz")
        health = statistics.median(timed("/healthz") for _ in range(samples))
        inclusion = sorted(
            timed("/v1/log/proof/inclusion", index=rng.randrange(size), tree_size=size)
            for _ in range(samples)
        )
        consistency = statistics.median(
            timed("/v1/log/proof/consistency", first=rng.randrange(1, size), second=size)
            for _ in range(samples)
        )
        rss = _rss_mib()
        with Session(ledger.engine) as session:
            store = NodeStore(session)
            started = time.perf_counter()
            for _ in range(samples):
                merkle.inclusion_proof(store, rng.randrange(size), size)
            in_process = (time.perf_counter() - started) / samples
    return {
        "inclusion_in_process_ms": round(in_process * 1000, 3),
        "inclusion_median_ms": round(statistics.median(inclusion) * 1000, 3),
        "inclusion_p95_ms": round(inclusion[int(len(inclusion) * 0.95)] * 1000, 3),
        "consistency_median_ms": round(consistency * 1000, 3),
        "healthz_median_ms": round(health * 1000, 3),
        "checkpoint_sign_ms": round(signing * 1000, 3),
        "rss_mib": rss,
    }


def _trip_life(seq: int, trip: uuid.UUID, number: int) -> list[Envelope]:
    """Five events of one trip, shaped and sized like trips-api's: two snapshots of
    about 2.4 KB (nested travellers, agenda and costs, non-ASCII text) and three
    smaller events."""
    snapshot: dict[str, Any] = {
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


def _kafka_to_log(
    tmp: str, database_url: str, count: int, trip_like: bool = False, steady: int = 0
) -> dict[str, Any]:
    """Events waiting in the broker, then ``ledger serve`` started on them: the rate from
    the broker into the durable log (committed) and under a signed checkpoint."""
    payloads = _events(count + steady, trip_like)
    broker = Broker()
    broker.start()
    port = free_port()
    env = {
        **os.environ,
        "LEDGER_PORT": str(port),
        "LEDGER_DATABASE_URL": database_url,
        # A key and a record of the last signed checkpoint of this log alone.
        "LEDGER_SIGNING_KEY_FILE": f"{tmp}/e2e-{uuid.uuid4().hex[:8]}.key",
        "LEDGER_KAFKA_BOOTSTRAP": broker.bootstrap,
        # The events' source is configured (its catch-up endpoint answers nothing).
        # Every event's signature is checked under the source's pinned key.
        "LEDGER_SOURCES": json.dumps(
            {SOURCE: {"url": "http://127.0.0.1:9", "keys": [str(SOURCE_SIGNER.verifier)]}}
        ),
        "LEDGER_LOG_LEVEL": "WARNING",
    }
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
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        wait_for_port(port, timeout=60)
        reader = create_engine(database_url)
        with httpx.Client(timeout=10) as http:

            def signed() -> int:
                return int(http.get(f"{url}/v1/log/checkpoint").text.split("\n")[1])

            # Timed from the first committed batch: the start-up is not ingestion.
            while (first := _appended(reader)) == 0:
                time.sleep(0.01)
            started, cpu = time.perf_counter(), _cpu_seconds(server.pid)
            while _appended(reader) < count:
                time.sleep(0.05)
            durable = time.perf_counter() - started
            cpu = _cpu_seconds(server.pid) - cpu
            while signed() < count:
                time.sleep(0.05)
            covered = time.perf_counter() - started
            timed = count - first
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


def _repeated(runs: int, measure: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """The run with the median rate into the durable log, with the range of all runs."""
    results = [measure() for _ in range(runs)]
    if any("skipped" in r for r in results):
        return results[0]
    results.sort(key=lambda r: r["into_durable_log_events_per_s"])
    rates = [r["into_durable_log_events_per_s"] for r in results]
    return {**results[len(results) // 2], "runs": runs, "range_events_per_s": [rates[0], rates[-1]]}


def _on_postgresql(tmp: str, count: int, trip_like: bool = False) -> dict[str, Any]:
    url = create_database()
    if url is None:
        return {"skipped": "PostgreSQL does not answer"}
    try:
        return _kafka_to_log(tmp, url, count, trip_like=trip_like)
    finally:
        drop_database(url)


def _proofs_and_memory(tmp: str) -> dict[str, Any]:
    """Proof times as the log grows, and the serving process's memory at 10^6 entries.

    Run first: the later benchmarks leave this process's heap larger than a
    ledger's would be."""
    figures: dict[str, Any] = {}
    path = Path(tmp) / "proofs.db"
    url = f"sqlite:///{path}"
    engine = db.make_engine(url)
    db.upgrade(engine, MIGRATIONS)
    engine.dispose()
    filler = _Filler(path)
    proofs: dict[str, Any] = {}
    rss_before = _rss_mib()
    for size in SIZES:
        started = time.perf_counter()
        filler.grow(size)
        fill_s = time.perf_counter() - started
        proofs[str(size)] = {"fill_s": round(fill_s, 1), **_proof_times(url, size)}
    filler.close()
    small, large = proofs[str(SIZES[0])], proofs[str(SIZES[-1])]
    figures["proofs_over_http"] = proofs
    figures["inclusion_flatness_ratio_1e6_to_1e4"] = round(
        large["inclusion_median_ms"] / small["inclusion_median_ms"], 2
    )
    figures["inclusion_ratio_to_healthz_at_1e6"] = round(
        large["inclusion_median_ms"] / large["healthz_median_ms"], 2
    )
    figures["memory_at_1e6"] = {
        "rss_mib": large["rss_mib"],
        "rss_before_fill_mib": rss_before,
        "database_mib": round(path.stat().st_size / 2**20, 1),
    }
    return figures


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        figures = _proofs_and_memory(tmp)
        databases = iter(range(100))

        def fresh_sqlite() -> str:
            return f"sqlite:///{tmp}/e2e-{next(databases)}.db"

        figures["kafka_to_log_sqlite"] = _repeated(
            3, lambda: _kafka_to_log(tmp, fresh_sqlite(), 50_000, steady=1_000)
        )
        figures["kafka_to_log_sqlite_trip_like"] = _kafka_to_log(
            tmp, fresh_sqlite(), 25_000, trip_like=True
        )
        figures["kafka_to_log_postgresql"] = _repeated(3, lambda: _on_postgresql(tmp, 50_000))
        figures["kafka_to_log_postgresql_trip_like"] = _on_postgresql(tmp, 25_000, trip_like=True)
        figures["append_sqlite"] = _append_rates(f"sqlite:///{tmp}/append.db")
        pg = create_database()
        if pg is not None:
            try:
                figures["append_postgresql"] = _append_rates(pg)
            finally:
                drop_database(pg)
    return figures
