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
- End to end: ``ledger serve`` in its own process consuming a real
  Kafka-protocol broker (Tansu): the rate from the broker into the durable
  log, and for a steady stream the delay from produce to a signed checkpoint
  that covers the event (p50/p95), with the default checkpoint interval.
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
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from benchmarks._postgres import create_database, drop_database
from ledger.ingest.service import Ingestor
from ledger.log.service import sign_checkpoint
from ledger.log.store import NodeStore
from ledger.main import MIGRATIONS
from ledger.testing import SOURCE, event, serve
from periplus import db, merkle
from periplus.events import TRIPS_TOPIC
from periplus.kafka import ensure_topic, make_producer
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


def _end_to_end(
    tmp: str, database_url: str, count: int = 20_000, steady: int = 1_000
) -> dict[str, Any]:
    broker = Broker()
    broker.start()
    port = free_port()
    env = {
        **os.environ,
        "LEDGER_PORT": str(port),
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_SIGNING_KEY_FILE": f"{tmp}/e2e.key",
        "LEDGER_KAFKA_BOOTSTRAP": broker.bootstrap,
        # The events' source is configured (its catch-up endpoint answers nothing).
        "LEDGER_SOURCES": json.dumps({SOURCE: "http://127.0.0.1:9"}),
        "LEDGER_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "ledger.cli", "serve"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_port(port)
        ensure_topic(broker.bootstrap, TRIPS_TOPIC)
        producer = make_producer(broker.bootstrap)
        trip = uuid.uuid4()
        payloads = [
            event(i + 1, trip, data={"n": i, "pad": "x" * 300}).model_dump_json().encode()
            for i in range(count + steady)
        ]
        with httpx.Client(timeout=10) as http:

            def signed() -> int:
                return int(http.get(f"{url}/v1/log/checkpoint").text.split("\n")[1])

            started = time.perf_counter()
            for payload in payloads[:count]:
                producer.send(TRIPS_TOPIC, value=payload)
            producer.flush(timeout=30)
            produced = time.perf_counter() - started
            while signed() < count:
                time.sleep(0.05)  # polling more often would take the ledger's own CPU
            durable = time.perf_counter() - started
            sent_at: list[float] = []
            covered: list[float] = []
            for i, payload in enumerate(payloads[count:]):
                producer.send(TRIPS_TOPIC, value=payload)
                producer.flush(timeout=10)
                sent_at.append(time.perf_counter())
                if i % 20 == 19:
                    time.sleep(0.02)  # about 1000 events a second, in small bursts
                size = signed() if i % 5 == 0 else 0
                while len(covered) < size - count:
                    covered.append(time.perf_counter())
            while len(covered) < steady:
                size = signed()
                now = time.perf_counter()
                while len(covered) < size - count:
                    covered.append(now)
                time.sleep(0.005)
        producer.close(timeout=2)
        delays = sorted(c - s for c, s in zip(covered, sent_at, strict=True))
        return {
            "events": count,
            "produce_events_per_s": round(count / produced),
            "broker_to_signed_log_events_per_s": round(count / durable),
            "steady_events": steady,
            "produce_to_signed_checkpoint_p50_ms": round(statistics.median(delays) * 1000),
            "produce_to_signed_checkpoint_p95_ms": round(delays[int(0.95 * len(delays))] * 1000),
            "checkpoint_interval_s": 0.5,
        }
    finally:
        server.terminate()
        server.wait(timeout=15)
        broker.stop()


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        figures["end_to_end_sqlite"] = _end_to_end(tmp, f"sqlite:///{tmp}/e2e.db")
        figures["append_sqlite"] = _append_rates(f"sqlite:///{tmp}/append.db")
        pg = create_database()
        if pg is not None:
            try:
                figures["end_to_end_postgresql"] = _end_to_end(tmp, pg, count=10_000)
            finally:
                drop_database(pg)
        pg = create_database()
        if pg is not None:
            try:
                figures["append_postgresql"] = _append_rates(pg)
            finally:
                drop_database(pg)
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
