"""Reads under writes on SQLite: public reads of the ledger while another process appends.

SQLite lets one writer in at a time; a read that took the write lock (or waited
for it) would queue behind every append. Here a second process appends a steady
stream of events to the same database (batches of 50, about 1,000 events a
second, each batch committed as the ingestor commits it) while reads of
entries, proofs and the checkpoint go to the ledger over HTTP. The baseline is
the same reads with no writer, in the same run. Goal: p95 under 50 ms.
"""

import multiprocessing
import statistics
import tempfile
import time
import uuid
from typing import Any

import httpx
from sqlmodel import Session

from ledger.ingest.service import Ingestor
from ledger.testing import event, serve
from periplus import db

BATCH, BATCHES_PER_S = 50, 20
SECONDS = 8.0


def _append(url: str, first_seq: int, stop: Any, appended: Any) -> None:
    """The writer process: append batches at a steady pace until told to stop."""
    engine = db.make_engine(url)
    ingestor = Ingestor(engine, {}, httpx.Client())
    trip, seq = uuid.uuid4(), first_seq
    while not stop.is_set():
        started = time.perf_counter()
        batch = [event(seq + i + 1, trip, data={"n": i, "pad": "x" * 300}) for i in range(BATCH)]
        with Session(engine) as session:
            ingestor.ingest(session, batch)
            session.commit()
        seq += BATCH
        appended.value = seq - first_seq
        time.sleep(max(0.0, 1 / BATCHES_PER_S - (time.perf_counter() - started)))
    engine.dispose()


def _reads(http: httpx.Client, url: str, seconds: float) -> list[float]:
    """Latencies of a round of public reads, repeated for ``seconds``."""
    latencies: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        size = int(http.get(f"{url}/v1/log/checkpoint/latest").text.split("\n")[1])
        for path, params in (
            ("/v1/log/checkpoint", {}),
            ("/v1/log/entries", {"start": max(0, size - 100), "end": size}),
            ("/v1/log/proof/inclusion", {"index": size // 2, "tree_size": size}),
            ("/v1/log/proof/consistency", {"first": max(1, size // 3), "second": size}),
        ):
            started = time.perf_counter()
            response = http.get(f"{url}{path}", params=params)
            latencies.append(time.perf_counter() - started)
            assert response.status_code == 200, (path, response.text)
    return latencies


def _summary(latencies: list[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    return {
        "reads": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p95_ms": round(ordered[int(0.95 * len(ordered))] * 1000, 2),
        "max_ms": round(ordered[-1] * 1000, 2),
    }


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        url = f"sqlite:///{tmp}/reads.db"
        with serve(url, checkpoint_interval=0.5) as ledger:
            ledger.fill(2_000)
            time.sleep(1.0)  # a checkpoint over them
            with httpx.Client(timeout=30) as http:
                quiet = _reads(http, ledger.url, SECONDS)
                context = multiprocessing.get_context("spawn")
                stop, appended = context.Event(), context.Value("i", 0)
                writer = context.Process(target=_append, args=(url, ledger.seq, stop, appended))
                writer.start()
                try:
                    deadline = time.monotonic() + 60
                    while appended.value < BATCH * BATCHES_PER_S:  # a second at its pace
                        if not writer.is_alive() or time.monotonic() > deadline:
                            raise RuntimeError("the writer process appends nothing")
                        time.sleep(0.1)
                    before = appended.value
                    loaded = _reads(http, ledger.url, SECONDS)
                    written = appended.value - before
                finally:
                    stop.set()
                    writer.join(timeout=30)
    under, baseline = _summary(loaded), _summary(quiet)
    return {
        "database": "sqlite",
        "write_load_events_per_s": round(written / SECONDS),
        "reads_under_writes": under,
        "reads_without_writes": baseline,
        "p95_ratio_to_baseline": round(under["p95_ms"] / baseline["p95_ms"], 2),
        "goal_p95_ms": 50,
    }
