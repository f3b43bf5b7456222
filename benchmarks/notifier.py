"""Notifier: catching up with the ledger, webhook fan-out, many live-stream readers,
approval to feed.

Servers and clients run in separate processes (in one process, two busy
threads hand the interpreter lock back and forth and measure that instead).

- Catch-up: a notifier 10^5 entries behind a ledger (trip life cycles signed by
  their source, in a ledger process of their own), with 20 webhook
  subscriptions, on SQLite and on PostgreSQL: entries verified (checkpoint,
  tree, signatures), folded, noticed and fanned out per second; the baseline
  is the ledger's own entry read rate, every entry read once over HTTP from
  the same ledger in the same run as the notifier reads them (its entry
  bundles), doing nothing else.
- Fan-out: one ledger entry to 1,000 webhook subscribers of a local receiver,
  signed, queued in the database and sent by the delivery worker; the
  baseline is 1,000 plain POSTs of the same size to the same receiver with the
  same concurrency, so the ratio is what signing, queueing and bookkeeping cost.
- Stream: 1,000 Server-Sent Events readers on loopback; the time from an
  entry's commit until each reader has it, against a bare SSE server that
  broadcasts one message to the same 1,000 readers. The entry is written by
  this process, so the notifier sees it by polling (every 10 ms here).
- Approval to feed: trips-api, ledger and notifier as processes around the
  real broker (started as the end-to-end tests start them); the time from the
  approval call's answer until the trip is in ``/feed.json``, p50 and p95; the
  baseline is one produce-and-consume round trip on the same broker.
"""

import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from benchmarks._catch_up import catch_up
from benchmarks._processes import CONCURRENCY, READERS, helper, ingest, notifier_process
from benchmarks._servers import BareStream, Sink
from notifier.channels.testing import Entries
from periplus.kafka import Connection, TopicReader, ensure_topic, make_producer
from periplus.testing import Broker, eventually

SUBSCRIBERS = 1000
ENTRIES = 3
TRIPS = 12


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for name, part in (
        ("catch_up", catch_up),
        ("webhook_fanout", _fanout),
        ("sse_readers", _stream),
        ("approval_to_feed", _approval_to_feed),
    ):
        try:
            figures[name] = part()
        except Exception as exc:  # one broken part must not hide the others' figures
            figures[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return figures


# Webhook fan-out -------------------------------------------------------------


def _fanout() -> dict[str, Any]:
    entries = Entries()
    with (
        tempfile.TemporaryDirectory() as tmp,
        helper("sink") as receiver,
        httpx.Client(timeout=30) as http,
    ):

        def counts() -> dict[str, int]:
            found: dict[str, int] = http.get(f"{receiver}/counts").json()
            return found

        with notifier_process(Path(tmp)) as (notifier, engine):
            started = time.perf_counter()
            for i in range(SUBSCRIBERS):
                made = http.post(
                    f"{notifier}/v1/subscriptions", json={"url": f"{receiver}/hook/{i}"}
                )
                made.raise_for_status()
            subscribe_rate = SUBSCRIBERS / (time.perf_counter() - started)
            times = []
            for n in range(ENTRIES):
                started = time.perf_counter()
                ingest(engine, entries.approved(str(uuid.uuid4())))
                want = (n + 1) * SUBSCRIBERS
                eventually(lambda w=want: counts()["count"] >= w, timeout=120, interval=0.01)
                times.append(time.perf_counter() - started)
            sent = counts()
        size = sent["bytes"] // max(sent["count"], 1)
        baseline = _plain_posts(f"{receiver}/hook", size)
    fanout = statistics.median(times)
    return {
        "subscribers": SUBSCRIBERS,
        "entries": ENTRIES,
        "deliveries_received": sent["count"],
        "distinct_webhook_ids": sent["ids"],
        "body_bytes": size,
        "fanout_seconds_median": round(fanout, 3),
        "deliveries_per_second": round(SUBSCRIBERS / fanout),
        "subscriptions_created_per_second": round(subscribe_rate),
        "baseline_plain_posts_seconds": round(baseline, 3),
        "ratio_to_plain_posts": round(fanout / baseline, 2),
    }


def _plain_posts(url: str, size: int) -> float:
    """1,000 unsigned POSTs of ``size`` bytes from ``CONCURRENCY`` threads, as the worker sends."""
    body = b"x" * size
    limits = httpx.Limits(max_connections=CONCURRENCY, max_keepalive_connections=CONCURRENCY)
    with httpx.Client(limits=limits, timeout=30) as client, ThreadPoolExecutor(CONCURRENCY) as pool:
        started = time.perf_counter()
        for response in pool.map(
            lambda i: client.post(f"{url}/{i}", content=body), range(SUBSCRIBERS)
        ):
            response.raise_for_status()
        return time.perf_counter() - started


# Live stream ----------------------------------------------------------------


async def _readers(url: str, fire: Callable[[], object]) -> list[float]:
    """Connect READERS clients to ``url``, call ``fire``, return each one's delay to its event."""
    connected, arrived, ready = asyncio.Event(), [], [0]
    fired_at = [0.0]
    limits = httpx.Limits(max_connections=READERS + 10, max_keepalive_connections=0)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:

        async def read() -> None:
            async with client.stream("GET", url) as response:
                response.raise_for_status()
                async for line in response.aiter_lines():
                    if line.startswith("retry:"):
                        ready[0] += 1
                        if ready[0] == READERS:
                            connected.set()
                    elif line.startswith("id:"):
                        arrived.append(time.perf_counter() - fired_at[0])
                        return

        tasks = [asyncio.create_task(read()) for _ in range(READERS)]
        await asyncio.wait_for(connected.wait(), 120)
        fired_at[0] = time.perf_counter()
        await asyncio.to_thread(fire)
        await asyncio.wait_for(asyncio.gather(*tasks), 120)
    return arrived


def _stream() -> dict[str, Any]:
    entries = Entries()
    with (
        tempfile.TemporaryDirectory() as tmp,
        notifier_process(Path(tmp), NOTIFIER_WEBHOOKS_ENABLED="false") as (notifier, engine),
    ):
        ours = asyncio.run(
            _readers(
                f"{notifier}/v1/stream",
                lambda: ingest(engine, entries.approved(str(uuid.uuid4()))),
            )
        )
    with helper("bare-sse") as bare:
        floor = asyncio.run(
            _readers(f"{bare}/stream", lambda: httpx.post(f"{bare}/fire").raise_for_status())
        )
    ours_all, floor_all = max(ours), max(floor)
    return {
        "readers": READERS,
        "received": len(ours),
        "p50_ms": round(statistics.median(ours) * 1000, 1),
        "p95_ms": round(_p95(ours) * 1000, 1),
        "all_readers_ms": round(ours_all * 1000, 1),
        "baseline_bare_sse_p50_ms": round(statistics.median(floor) * 1000, 1),
        "baseline_bare_sse_all_readers_ms": round(floor_all * 1000, 1),
        "ratio_to_bare_sse": round(ours_all / floor_all, 2),
    }


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) > 1 else values[0]


# Approval to feed, through the real broker -----------------------------------


def _approval_to_feed() -> dict[str, Any]:
    from tests.e2e import helpers  # the services start and act as in the end-to-end tests
    from tests.e2e.system import System

    broker = Broker()
    broker.start()
    delays: list[float] = []
    to_ledger: list[float] = []
    try:
        round_trip = _broker_round_trip(broker.connection)
        with tempfile.TemporaryDirectory() as tmp:
            workdir = Path(tmp)
            databases = {
                name: f"sqlite:///{workdir / f'{name}.db'}"
                for name in ("trips-api", "ledger", "notifier")
            }
            with (
                System(
                    broker,
                    databases,
                    workdir,
                    LEDGER_CATCHUP_INTERVAL="3600",
                    NOTIFIER_CATCHUP_INTERVAL="3600",
                ) as system,
                httpx.Client(base_url=system.urls["trips-api"], timeout=30) as trips,
                httpx.Client(base_url=system.urls["notifier"], timeout=30) as public,
                httpx.Client(base_url=system.urls["ledger"], timeout=30) as ledger,
            ):
                entries = "/v1/log/entries"
                writer, approver = system.key("trips:write"), system.key("trips:approve")
                helpers.register_departments(trips, system.key("admin"))
                for n in range(TRIPS + 1):
                    trip_id = helpers.approve_trip(system, trips, writer, approver)
                    approved = time.perf_counter()
                    eventually(
                        lambda t=trip_id: (
                            t in ledger.get(entries, params={"start": 0, "end": 1000}).text
                        ),
                        60,
                        0.005,
                    )
                    logged = time.perf_counter()
                    eventually(lambda t=trip_id: t in public.get("/feed.json").text, 60, 0.005)
                    if n:  # the first warms every cache and connection up
                        delays.append(time.perf_counter() - approved)
                        to_ledger.append(logged - approved)
    finally:
        broker.stop()
    p50 = statistics.median(delays)
    return {
        "trips": TRIPS,
        "p50_ms": round(p50 * 1000, 1),
        "p95_ms": round(_p95(delays) * 1000, 1),
        "approval_to_ledger_entry_p50_ms": round(statistics.median(to_ledger) * 1000, 1),
        "baseline_broker_round_trip_ms": round(round_trip * 1000, 1),
        "ratio_to_broker_round_trip": round(p50 / round_trip, 2),
    }


def _broker_round_trip(connection: Connection, samples: int = 20) -> float:
    """Median time to produce one small message and read it back on the same broker."""
    topic = f"bench.roundtrip.{uuid.uuid4().hex[:8]}"
    ensure_topic(connection, topic)
    producer, reader = make_producer(connection), TopicReader(connection, topic)
    try:
        reader.seek({})
        times = []
        for i in range(samples + 1):
            started = time.perf_counter()
            producer.send(topic, key=b"k", value=b'{"n":%d}' % i)
            producer.flush()
            while not reader.poll(timeout_ms=100):
                pass
            if i:
                times.append(time.perf_counter() - started)
        return statistics.median(times)
    finally:
        producer.close()
        reader.close()


if __name__ == "__main__":  # the helper servers: `python -m benchmarks.notifier sink PORT`
    apps: dict[str, Any] = {"sink": Sink(), "bare-sse": BareStream()}
    uvicorn.run(apps[sys.argv[1]], host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
