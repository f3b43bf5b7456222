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
import random
import sqlite3
import statistics
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from benchmarks._kafka_to_log import kafka_to_log, on_postgresql, repeated
from benchmarks._postgres import create_database, drop_database
from ledger.ingest.service import Ingestor
from ledger.log.repository import NodeStore
from ledger.log.service import sign_checkpoint
from ledger.main import MIGRATIONS
from ledger.testing import event, serve
from periplus import db, merkle

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

        figures["kafka_to_log_sqlite"] = repeated(
            3, lambda: kafka_to_log(tmp, fresh_sqlite(), 50_000, steady=1_000)
        )
        figures["kafka_to_log_sqlite_trip_like"] = kafka_to_log(
            tmp, fresh_sqlite(), 25_000, trip_like=True
        )
        figures["kafka_to_log_postgresql"] = repeated(3, lambda: on_postgresql(tmp, 50_000))
        figures["kafka_to_log_postgresql_trip_like"] = on_postgresql(tmp, 25_000, trip_like=True)
        figures["append_sqlite"] = _append_rates(f"sqlite:///{tmp}/append.db")
        pg = create_database()
        if pg is not None:
            try:
                figures["append_postgresql"] = _append_rates(pg)
            finally:
                drop_database(pg)
    return figures
