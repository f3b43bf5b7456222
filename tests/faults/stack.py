"""A running system to injure: its processes, clients, keys, and a load of approvals.

The system is the end-to-end suite's (``tests.e2e.system``), and the trips are
approved as the end-to-end tests approve them, through the trips API alone.
"""

import os
import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledger.log.writer_lock import LOCK_KEY
from notifier.channels.testing import Receiver
from periplus.testing import Broker, eventually
from tests.e2e.helpers import approve_trip, register_departments
from tests.e2e.system import System

PAGE = 1000
POSTGRES_URL = os.environ.get(
    "PERIPLUS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
SERVICES = ("trips-api", "ledger", "notifier")

# Faults are injected within seconds, so the system is set to notice them within seconds:
# the writer's lock is tried every half second, and webhooks retry within a minute.
QUICK = {
    "LEDGER_WRITER_RETRY": "0.5",
    "LEDGER_WRITER_LEASE": "5",
    "NOTIFIER_WEBHOOK_TIMEOUT": "2",
    "NOTIFIER_WEBHOOK_RETRY_SCHEDULE": "[0.5, 0.5, 1, 1, 2, 2, 5, 5, 10, 10, 20]",
    "NOTIFIER_WEBHOOK_POLL_INTERVAL": "0.2",
    "NOTIFIER_STREAM_POLL_INTERVAL": "0.2",
}


@contextmanager
def running(
    backend: str,
    folder: Path,
    broker_up: bool = True,
    sources: dict[str, tuple[str, str]] | None = None,
    **env: str,
) -> Iterator["Stack"]:
    """The three services on ``backend`` around a broker of their own (not yet started
    unless ``broker_up``), with keys made, departments registered and a webhook
    receiver subscribed; ``sources`` are more sources of events (``System``)."""
    broker = Broker()
    if broker_up:
        broker.start()
    try:
        with (
            Receiver() as receiver,
            databases(backend, folder) as urls,
            _with_sources(System(broker, urls, folder, **{**QUICK, **env}), sources) as system,
        ):
            stack = Stack(system, receiver)
            try:
                yield stack
            finally:
                stack.close()
    finally:
        broker.stop()


def _with_sources(system: System, sources: dict[str, tuple[str, str]] | None) -> System:
    for name, (url, key) in (sources or {}).items():
        system.add_source(name, url, key)
    return system


def kill_broker(broker: Broker) -> None:
    """SIGKILL the broker, which loses every topic and message (it keeps them in memory)."""
    assert broker.process is not None
    broker.process.kill()
    broker.process.wait(timeout=10)
    broker.process = None


def terminate_lock_session(database_url: str) -> None:
    """``pg_terminate_backend`` of the session holding the ledger's writer lock."""
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    try:
        with engine.connect() as connection:
            ended = (
                connection.execute(
                    text(
                        "SELECT pg_terminate_backend(pid) FROM pg_locks "
                        "WHERE locktype = 'advisory' AND granted "
                        "AND ((classid::bigint << 32) | objid::bigint) = :key "
                        "AND database = (SELECT oid FROM pg_database "
                        "WHERE datname = current_database())"
                    ),
                    {"key": LOCK_KEY},
                )
                .scalars()
                .all()
            )
        assert ended == [True], f"one lock session ended, not {ended}"
    finally:
        engine.dispose()


@contextmanager
def databases(backend: str, folder: Path) -> Iterator[dict[str, str]]:
    """An empty database for each service, dropped afterwards."""
    if backend == "sqlite":
        yield {name: f"sqlite:///{folder / name}.db" for name in SERVICES}
        return
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    names = {
        name: f"periplus_faults_{name.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
        for name in SERVICES
    }
    with admin.connect() as connection:
        for name in names.values():
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(POSTGRES_URL)
        yield {
            service: url.set(database=name).render_as_string(hide_password=False)
            for service, name in names.items()
        }
    finally:
        with admin.connect() as connection:
            for name in names.values():
                connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


class Stack:
    """``ledger_name`` is the ledger process the checks read from (any serves reads)."""

    def __init__(self, system: System, receiver: Receiver) -> None:
        self.system, self.receiver = system, receiver
        self.ledger_name = "ledger"
        self.trips = httpx.Client(base_url=system.urls["trips-api"], timeout=30)
        self.public = httpx.Client(base_url=system.urls["notifier"], timeout=30)
        self._ledgers: dict[str, httpx.Client] = {}
        with ThreadPoolExecutor(2) as pool:  # each key is a process of its own: side by side
            scopes = ["trips:write,admin", "trips:approve"]
            self.writer, self.approver = pool.map(system.key, scopes)
        register_departments(self.trips, self.writer)
        self.extra: dict[str, list[dict[str, Any]]] = {}  # events of other sources, by source
        made = self.public.post("/v1/subscriptions", json={"url": receiver.url})
        assert made.status_code == 201, made.text
        self.subscription = Subscription(made.json()["id"], made.json()["token"])
        self.watcher = CheckpointWatcher(self)

    @property
    def ledger(self) -> httpx.Client:
        return self.ledger_client(self.ledger_name)

    def ledger_client(self, name: str) -> httpx.Client:
        if name not in self._ledgers:
            self._ledgers[name] = httpx.Client(base_url=self.system.urls[name], timeout=30)
        return self._ledgers[name]

    def close(self) -> None:
        self.watcher.stop()
        for client in (self.trips, self.public, *self._ledgers.values()):
            client.close()

    def approve(self, count: int) -> list[str]:
        """Approve ``count`` new trips, two at a time; their ids."""
        with self.load(count) as load:
            pass
        return load.trip_ids

    @contextmanager
    def load(self, count: int) -> Iterator["Load"]:
        """Approvals going on in the background while the block injures the system."""
        load = Load(self, count)
        try:
            yield load
        finally:
            load.join()

    def source_events(self) -> list[dict[str, Any]]:
        """Every event trips-api has written: the facts the ledger must hold."""
        events: list[dict[str, Any]] = []
        after = 0
        while True:
            page = self.trips.get("/v1/events", params={"after": after, "limit": PAGE}).json()
            events += page["events"]
            if page["last_seq"] == after:
                return events
            after = page["last_seq"]

    def expected(self) -> dict[str, list[dict[str, Any]]]:
        """The events each source approved, in seq order: trips-api's and the others'."""
        trips = self.source_events()
        source = trips[0]["source"] if trips else None
        return {**({source: trips} if source else {}), **self.extra}

    def entries(self) -> list[dict[str, Any]]:
        """Every entry of the log, in index order."""
        entries: list[dict[str, Any]] = []
        while True:
            start = len(entries)
            page = self.ledger.get(
                "/v1/log/entries", params={"start": start, "end": start + PAGE}
            ).json()["entries"]
            entries += page
            if not page:
                return entries

    def readiness(self, client: httpx.Client) -> dict[str, Any]:
        return dict(client.get("/readyz").json()["checks"])


@dataclass(frozen=True)
class Subscription:
    """The webhook subscription made before the first entry: it must have them all."""

    id: str
    token: str


class Load:
    """``count`` approvals on two threads; ``join`` raises what a thread raised."""

    def __init__(self, stack: Stack, count: int) -> None:
        self.stack, self.count = stack, count
        self.trip_ids: list[str] = []
        self.pool = ThreadPoolExecutor(2, thread_name_prefix="approvals")
        self.futures: list[Future[str]] = [self.pool.submit(self._one) for _ in range(count)]

    def _one(self) -> str:
        stack = self.stack
        return approve_trip(stack.system, stack.trips, stack.writer, stack.approver)

    def done(self) -> int:
        return sum(f.done() for f in self.futures)

    def wait_for(self, count: int) -> None:
        """Until ``count`` approvals have been made: the fault strikes under load."""
        eventually(lambda: self.done() >= count, timeout=60)

    def join(self) -> None:
        self.trip_ids = [f.result() for f in self.futures]
        self.pool.shutdown()


class CheckpointWatcher:
    """Reads every ledger process's served checkpoint a few times a second: what the
    public saw, kept even if the ledger's own table would no longer show it."""

    def __init__(self, stack: Stack, interval: float = 0.2) -> None:
        self.stack, self.interval = stack, interval
        self.notes: set[str] = set()
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._run, name="checkpoints", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        with httpx.Client(timeout=2) as http:
            while not self._halt.wait(self.interval):
                system = self.stack.system
                for name, program in list(system.programs.items()):
                    if program != "ledger" or name not in system.processes:
                        continue
                    try:
                        answer = http.get(f"{system.urls[name]}/v1/log/checkpoint")
                    except httpx.HTTPError:
                        continue  # down for now: that is the fault
                    if answer.status_code == 200:
                        self.notes.add(answer.text)

    def stop(self) -> None:
        self._halt.set()
        self._thread.join(timeout=5)


def since(started: float) -> float:
    return time.monotonic() - started
