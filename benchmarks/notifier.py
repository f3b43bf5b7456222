"""Notifier: catching up with the ledger, webhook fan-out, many live-stream readers,
approval to feed.

Servers and clients run in separate processes (in one process, two busy
threads hand the interpreter lock back and forth and measure that instead).

- Catch-up: a notifier 10^5 entries behind a ledger (trip life cycles signed by
  their source, in a ledger process of their own), with 20 webhook
  subscriptions, on SQLite and on PostgreSQL: entries verified (checkpoint,
  tree, signatures), folded, noticed and fanned out per second; the baseline
  is the ledger's own entry read rate, every entry read once over HTTP from
  the same ledger in the same run, doing nothing else.
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
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import uvicorn
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from benchmarks._postgres import create_database, drop_database
from ledger.testing import SEED as LEDGER_SEED
from ledger.testing import ledger_settings
from ledger.testing import serve as serve_ledger
from notifier import trust as trust_config
from notifier.channels.models import Delivery, Notice
from notifier.channels.testing import Entries
from notifier.channels.webhooks import service as webhooks_service
from notifier.channels.webhooks.schemas import SubscriptionCreate
from notifier.ingest import service
from notifier.ingest.ingestor import Ingestor
from notifier.ingest.reader import PAGE, LedgerReader
from notifier.main import MIGRATIONS
from notifier.testing import SOURCE_SIGNER, life
from periplus import db, keyfile, sources
from periplus.events import Envelope
from periplus.kafka import Connection, TopicReader, ensure_topic, make_producer
from periplus.local import wait_for_port
from periplus.note import Signer
from periplus.policy import Policy
from periplus.testing import Broker, eventually, free_port

BIN = Path(sys.executable).parent
SUBSCRIBERS = 1000
READERS = 1000
ENTRIES = 3
TRIPS = 12
CONCURRENCY = 16  # the worker's default sending threads


CATCH_UP = int(os.environ.get("BENCH_NOTIFIER_CATCH_UP", "100000"))
CATCH_UP_SUBSCRIPTIONS = 20
DEPARTMENTS = tuple(f"Department {n}" for n in range(12))


def run() -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for name, part in (
        ("catch_up", _catch_up),
        ("webhook_fanout", _fanout),
        ("sse_readers", _stream),
        ("approval_to_feed", _approval_to_feed),
    ):
        try:
            figures[name] = part()
        except Exception as exc:  # one broken part must not hide the others' figures
            figures[name] = {"error": f"{type(exc).__name__}: {exc}"}
    return figures


# Processes -------------------------------------------------------------------


@contextmanager
def _process(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[str]:
    process = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(timeout=20)


@contextmanager
def _notifier(workdir: Path, **env: str) -> Iterator[tuple[str, Engine]]:
    """A notifier process on a SQLite file that this process writes entries into."""
    url = f"sqlite:///{workdir / 'notifier.db'}"
    engine = db.make_engine(url)
    db.upgrade(engine, MIGRATIONS)
    port = free_port()
    # Entries are written straight into its database: the keys it pins are never used.
    policy = workdir / "notifier.policy"
    log_key = Signer("bench/ledger", Ed25519PrivateKey.generate()).verifier
    policy.write_text(str(Policy.log_only(log_key)))
    source = Signer("bench/trips-api", Ed25519PrivateKey.generate()).verifier
    settings = {
        "NOTIFIER_PORT": str(port),
        "NOTIFIER_DATABASE_URL": url,
        "NOTIFIER_TRUST_POLICY_FILE": str(policy),
        "NOTIFIER_SOURCE_KEYS": json.dumps({source.name: [str(source)]}),
        "NOTIFIER_INGEST_ENABLED": "false",
        "NOTIFIER_ALERTS_ENABLED": "false",
        "NOTIFIER_ALLOW_PRIVATE_RECEIVERS": "true",
        # Every client here is this process, on one address: the limits per client are lifted.
        "NOTIFIER_SUBSCRIPTION_CREATE_LIMIT": "100000",
        "NOTIFIER_SUBSCRIPTION_CREATE_NETWORK_LIMIT": "100000",
        "NOTIFIER_BULK_READ_LIMIT": "1000000",
        "NOTIFIER_BULK_READ_NETWORK_LIMIT": "1000000",
        "NOTIFIER_PAGE_RENDER_LIMIT": "1000000",
        "NOTIFIER_PAGE_RENDER_NETWORK_LIMIT": "1000000",
        "NOTIFIER_STREAM_MAX_PER_CLIENT": str(READERS),
        "NOTIFIER_KAFKA_BOOTSTRAP": "127.0.0.1:9",
        "NOTIFIER_LEDGER_URL": "http://127.0.0.1:9",
        "NOTIFIER_WEBHOOK_CONCURRENCY": str(CONCURRENCY),
        "NOTIFIER_WEBHOOK_POLL_INTERVAL": "0.01",
        "NOTIFIER_STREAM_POLL_INTERVAL": "0.01",
        "NOTIFIER_LOG_LEVEL": "WARNING",
        **env,
    }
    try:
        with _process([str(BIN / "notifier"), "serve"], port, settings) as base:
            yield base, engine
    finally:
        engine.dispose()


def _ingest(engine: Engine, item: tuple[int, dict[str, Any]]) -> None:
    with Session(engine) as session:
        service.apply(session, [item])
        session.commit()


def _helper(role: str) -> Any:
    port = free_port()
    return _process([sys.executable, "-m", "benchmarks.notifier", role, str(port)], port)


# Catch-up --------------------------------------------------------------------


def _catch_up() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        ledger_db = workdir / "ledger.db"
        started = time.perf_counter()
        _fill_ledger(ledger_db, CATCH_UP)
        figures: dict[str, Any] = {
            "entries": CATCH_UP,
            "subscriptions": CATCH_UP_SUBSCRIPTIONS,
            "ledger_filled_seconds": round(time.perf_counter() - started, 1),
        }
        with _ledger_process(ledger_db) as url, httpx.Client(timeout=120) as http:
            reader = LedgerReader(url, http)
            started = time.perf_counter()
            for start in range(0, CATCH_UP, PAGE):
                reader.entries(start, min(CATCH_UP, start + PAGE))
            baseline = CATCH_UP / (time.perf_counter() - started)
            figures["baseline_ledger_read_entries_per_second"] = round(baseline)
            sqlite_url = f"sqlite:///{workdir / 'notifier.db'}"
            figures["sqlite"] = _catch_up_on(sqlite_url, reader, workdir, baseline)
            postgres_url = create_database()
            if postgres_url is None:
                figures["postgresql"] = {"error": "no PostgreSQL server answers"}
            else:
                try:
                    figures["postgresql"] = _catch_up_on(postgres_url, reader, workdir, baseline)
                finally:
                    drop_database(postgres_url)
    return figures


def _catch_up_on(url: str, reader: LedgerReader, workdir: Path, baseline: float) -> dict[str, Any]:
    """Time one notifier's catch-up from an empty database to the ledger's checkpoint."""
    engine = db.make_engine(url)
    try:
        db.upgrade(engine, MIGRATIONS)
        with Session(engine) as session:
            for n in range(CATCH_UP_SUBSCRIPTIONS):
                body = SubscriptionCreate(url=f"http://127.0.0.1:9/hook/{n}", **_filters(n))
                webhooks_service.create(session, body, None, CATCH_UP_SUBSCRIPTIONS)
            session.commit()
        policy = workdir / "catch-up.policy"
        policy.write_text(str(Policy.log_only(_LEDGER_SIGNER.verifier)))
        trust = trust_config.load(
            policy, {SOURCE_SIGNER.name: [str(SOURCE_SIGNER.verifier)]}, _LEDGER_SOURCE
        )
        ingestor = Ingestor(engine, reader, trust)
        started = time.perf_counter()
        shown = ingestor.catch_up()
        rate = shown / (time.perf_counter() - started)
        with Session(engine) as session:
            deliveries = session.exec(select(func.count()).select_from(Delivery)).one()
            notices = session.exec(select(func.count()).select_from(Notice)).one()
    finally:
        engine.dispose()
    return {
        "shown": shown,
        "notices": notices,
        "deliveries_queued": deliveries,
        "entries_per_second": round(rate),
        "ratio_to_ledger_read": round(rate / baseline, 2),
    }


def _filters(n: int) -> dict[str, Any]:
    """Twenty subscriptions as readers make them: one to everything, the rest filtered by
    department, type, SDG goal with a type, or trips that never come."""
    if n == 0:
        return {}
    kinds: list[dict[str, Any]] = [
        {"sdg_goals": [13], "types": ["trip.approved"]},
        {"departments": [DEPARTMENTS[n % len(DEPARTMENTS)]]},
        {"types": ["trip.reported", "followup.updated"]},
        {"trip_ids": [str(uuid.uuid4())]},
    ]
    return kinds[n % 4]


_LEDGER_SIGNER = Signer("periplus.test/ledger", keyfile.from_seed(LEDGER_SEED))
_LEDGER_SOURCE = "test-city/ledger"


def _fill_ledger(path: Path, count: int) -> None:
    """A ledger of ``count`` entries: whole trip life cycles in the public contract's shapes,
    each trip in one of twelve departments, every event signed by its source; appended
    5,000 at a time, as they are made."""
    keys = {
        SOURCE_SIGNER.name: {"url": "http://127.0.0.1:9", "keys": [str(SOURCE_SIGNER.verifier)]}
    }
    with serve_ledger(f"sqlite:///{path}", sources=keys) as ledger:
        for start in range(0, count, 5000):
            events = _trip_events(start, min(count, start + 5000))
            ledger.append(events, checkpoint=start + 5000 >= count)


def _trip_events(start: int, end: int) -> list[Envelope]:
    """Events ``start`` to ``end`` (seqs from ``start + 1``) of trips of five events each."""
    template = life(str(uuid.uuid4()))
    events: list[Envelope] = []
    for seq in range(start + 1, end + 1):
        number, step = divmod(seq - 1, len(template))
        trip = uuid.uuid5(uuid.NAMESPACE_URL, f"bench-trip-{number}")
        department, reference = DEPARTMENTS[number % len(DEPARTMENTS)], f"MVD-2026-{number:05d}"
        event = template[step]
        data = orjson.loads(orjson.dumps(event["data"]))
        snapshot = data.get("trip")
        if isinstance(snapshot, dict):
            snapshot.update(
                reference=reference,
                lead_department=department,
                departments=[department, "Mobility"],
            )
        else:
            data["reference"] = reference
        events.append(
            sources.sign(
                SOURCE_SIGNER,
                seq=seq,
                type_=event["type"],
                trip_id=trip,
                occurred_at=event["occurred_at"],
                data=data,
            )
        )
    return events


@contextmanager
def _ledger_process(path: Path) -> Iterator[str]:
    """The ledger over ``path`` in a process of its own, as a notifier meets it."""
    port = free_port()
    settings = ledger_settings(f"sqlite:///{path}")
    env = {
        "LEDGER_PORT": str(port),
        "LEDGER_DATABASE_URL": settings.database_url,
        "LEDGER_SIGNING_KEY": LEDGER_SEED,
        "LEDGER_ORIGIN": settings.origin,
        "LEDGER_OWN_SOURCE": settings.own_source,
        "LEDGER_INGEST_ENABLED": "false",
        "LEDGER_KAFKA_BOOTSTRAP": "127.0.0.1:9",
        "LEDGER_SIGNED_CHECKPOINT_FILE": str(settings.signed_checkpoint_file),
        "LEDGER_LOG_LEVEL": "WARNING",
        "LEDGER_SOURCES": json.dumps(
            {
                SOURCE_SIGNER.name: {
                    "url": "http://127.0.0.1:9",
                    "keys": [str(SOURCE_SIGNER.verifier)],
                }
            }
        ),
    }
    with _process([str(BIN / "ledger"), "serve"], port, env) as url:
        yield url


# Webhook fan-out -------------------------------------------------------------


class Sink:
    """A bare ASGI receiver: counts what it is sent; ``GET`` answers the counts."""

    def __init__(self) -> None:
        self.count, self.bytes, self.ids = 0, 0, set[str]()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        size, more = 0, True
        while more:
            message = await receive()
            size += len(message.get("body", b""))
            more = message.get("more_body", False)
        if scope["method"] == "GET":
            counts = {"count": self.count, "bytes": self.bytes, "ids": len(self.ids)}
            await _answer(send, 200, json.dumps(counts).encode())
            return
        self.count, self.bytes = self.count + 1, self.bytes + size
        webhook_id = dict(scope["headers"]).get(b"webhook-id")
        if webhook_id:
            self.ids.add(webhook_id.decode())
        await _answer(send, 204, b"")


async def _lifespan(receive: Any, send: Any) -> None:
    while True:
        kind = (await receive())["type"].removeprefix("lifespan.")
        await send({"type": f"lifespan.{kind}.complete"})
        if kind == "shutdown":
            return


async def _answer(send: Any, status: int, body: bytes) -> None:
    await send({"type": "http.response.start", "status": status, "headers": []})
    await send({"type": "http.response.body", "body": body})


def _fanout() -> dict[str, Any]:
    entries = Entries()
    with (
        tempfile.TemporaryDirectory() as tmp,
        _helper("sink") as receiver,
        httpx.Client(timeout=30) as http,
    ):

        def counts() -> dict[str, int]:
            found: dict[str, int] = http.get(f"{receiver}/counts").json()
            return found

        with _notifier(Path(tmp)) as (notifier, engine):
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
                _ingest(engine, entries.approved(str(uuid.uuid4())))
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


class BareStream:
    """The floor: an SSE server that sends one message to every reader on a ``POST``."""

    def __init__(self) -> None:
        self.fired: asyncio.Event | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if self.fired is None:
            self.fired = asyncio.Event()
        if scope["method"] == "POST":
            self.fired.set()
            await _answer(send, 204, b"")
            return
        headers = [(b"content-type", b"text/event-stream"), (b"cache-control", b"no-cache")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        hello = b": hi\nretry: 3000\n\n"
        await send({"type": "http.response.body", "body": hello, "more_body": True})
        await self.fired.wait()
        await send({"type": "http.response.body", "body": b'id: 0\ndata: {"n":0}\n\n'})


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
        _notifier(Path(tmp), NOTIFIER_WEBHOOKS_ENABLED="false") as (notifier, engine),
    ):
        ours = asyncio.run(
            _readers(
                f"{notifier}/v1/stream",
                lambda: _ingest(engine, entries.approved(str(uuid.uuid4()))),
            )
        )
    with _helper("bare-sse") as bare:
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
