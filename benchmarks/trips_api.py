"""trips-api: create-and-approve through real HTTP and the outbox, against a bare endpoint.

One create-and-approve is three requests (create a complete trip, submit it,
approve it with a second key), each in its own transaction; the approval
writes the public event into the outbox, which a relay publishes to a real
Kafka-protocol broker while the load runs. The baseline is the floor of the
same work: a bare FastAPI endpoint that takes the same JSON body, inserts it as
one row and commits, on the same kind of database opened the same way, served
by uvicorn the same way. The two are measured in alternating rounds, so that both see the
same load from the rest of the machine; the ratio says what validation, the
database, the history and the outbox cost per request. One client, one
connection, requests in sequence: latencies are per request as a city system
sees them. CPU time is this process's (client, servers and relay alike, the
database's own excluded) per request of each side: on a busy machine it varies
less than the wall clock does.
"""

import json
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Column, Integer, MetaData, Table, Text, func, insert
from sqlmodel import Session, select

from benchmarks._postgres import create_database, drop_database
from periplus import db
from periplus.testing import Broker, Server
from trips_api import state
from trips_api.events.models import Event
from trips_api.keys import service as keys_service
from trips_api.main import build
from trips_api.settings import Settings
from trips_api.trips import examples

ROUNDS = 6
TRIPS_PER_ROUND = 25
WARMUP = 10


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
    }


def _bare_app(database_url: str, settings: Settings) -> FastAPI:
    """One request, one row, one commit: what any endpoint that records a request pays,
    on an engine made as trips-api makes its own."""
    engine = db.make_engine(database_url, ping_idle=settings.database_ping_idle)
    rows = Table("bare", MetaData(), Column("id", Integer, primary_key=True), Column("body", Text))
    rows.metadata.create_all(engine)
    app = FastAPI()

    @app.post("/echo")
    def echo(payload: dict[str, Any]) -> dict[str, Any]:
        with engine.begin() as connection:
            connection.execute(insert(rows).values(body=json.dumps(payload)))
        return payload

    return app


class _TripsLoad:
    """Keys, departments and one create-submit-approve at a time against a served app."""

    def __init__(self, app: Any, url: str) -> None:
        with Session(app.state.engine) as session:
            keys = {
                role: keys_service.create(session, role, [scope])[1]
                for role, scope in (
                    ("admin", "admin"),
                    ("writer", "trips:write"),
                    ("approver", "trips:approve"),
                )
            }
            session.commit()
        self.clients = {
            role: httpx.Client(base_url=url, headers={"Authorization": f"Bearer {key}"})
            for role, key in keys.items()
        }
        for code in ("international-relations", "mobility"):
            self.clients["admin"].post(
                "/v1/departments", json={"code": code, "name": code.title()}
            ).raise_for_status()
        self.body = examples.trip()
        self.requests: list[float] = []
        self.whole: list[float] = []

    def one(self) -> None:
        started, trip_id = time.perf_counter(), ""
        for role, path, payload in (
            ("writer", "/v1/trips", self.body),
            ("writer", "/v1/trips/{id}/submit", None),
            ("approver", "/v1/trips/{id}/approve", None),
        ):
            t = time.perf_counter()
            response = self.clients[role].post(
                path.format(id=trip_id),
                json=payload,
                headers={"Idempotency-Key": str(uuid.uuid4())},
            )
            response.raise_for_status()
            self.requests.append(time.perf_counter() - t)
            trip_id = trip_id or response.json()["id"]
        self.whole.append(time.perf_counter() - started)

    def close(self) -> None:
        for client in self.clients.values():
            client.close()


def _outbox(app: Any) -> tuple[int, int, float]:
    """Wait (up to 30 s) for the relay to publish everything: events, pending, seconds."""
    started = time.perf_counter()
    while True:
        with Session(app.state.engine) as session:  # short transactions: SQLite locks
            events = session.exec(select(func.count()).select_from(Event)).one()
        pending = events - (state.of(app).relay.published() or 0)
        if pending == 0 or time.perf_counter() - started > 30:
            return events, pending, round(time.perf_counter() - started, 2)
        time.sleep(0.05)


def _timed(action: Callable[[], None], times: int) -> tuple[float, float]:
    """Wall-clock and CPU seconds of this process (client, server, relay) for ``times`` runs."""
    started, cpu = time.perf_counter(), time.process_time()
    for _ in range(times):
        action()
    return time.perf_counter() - started, time.process_time() - cpu


def _measure(database_url: str, bare_url: str, bootstrap: str) -> dict[str, Any]:
    settings = Settings(
        database_url=database_url, kafka_bootstrap=bootstrap, public_read_burst=10**6
    )
    app = build(settings)
    with Server(app) as trips_server, Server(_bare_app(bare_url, settings)) as bare_server:
        load = _TripsLoad(app, trips_server.url)
        bare = httpx.Client(base_url=bare_server.url)
        bare_latencies: list[float] = []

        def echo() -> None:
            t = time.perf_counter()
            bare.post("/echo", json=load.body).raise_for_status()
            bare_latencies.append(time.perf_counter() - t)

        for _ in range(WARMUP):
            load.one()
            echo()
        load.requests.clear()
        load.whole.clear()
        bare_latencies.clear()
        trips_time = bare_time = trips_cpu = bare_cpu = 0.0
        for _ in range(ROUNDS):  # alternate, so that both share the machine's moods
            wall, cpu = _timed(load.one, TRIPS_PER_ROUND)
            trips_time, trips_cpu = trips_time + wall, trips_cpu + cpu
            wall, cpu = _timed(echo, 3 * TRIPS_PER_ROUND)
            bare_time, bare_cpu = bare_time + wall, bare_cpu + cpu
        events, pending, drain = _outbox(app)
        load.close()
        bare.close()
    trips = ROUNDS * TRIPS_PER_ROUND
    trips_rate, bare_rate = 3 * trips / trips_time, 3 * trips / bare_time
    return {
        "trips_per_s": round(trips / trips_time, 1),
        "requests_per_s": round(trips_rate),
        "request": _percentiles(load.requests),
        "cpu_ms_per_request": round(trips_cpu * 1000 / (3 * trips), 2),
        "create_and_approve": _percentiles(load.whole),
        "baseline_bare_insert_and_commit": {
            "requests_per_s": round(bare_rate),
            **_percentiles(bare_latencies),
            "cpu_ms_per_request": round(bare_cpu * 1000 / (3 * trips), 2),
        },
        "ratio_to_baseline": round(trips_rate / bare_rate, 3),
        "cpu_ratio_to_baseline": round(bare_cpu / trips_cpu, 3),
        "events_in_outbox": events,
        "outbox_pending_after_load": pending,
        "outbox_drain_s": drain,
    }


def run() -> dict[str, Any]:
    broker = Broker()
    broker.start()
    out: dict[str, Any] = {}
    try:
        with tempfile.TemporaryDirectory() as tmp:
            out["sqlite"] = _measure(
                f"sqlite:///{Path(tmp) / 'trips.db'}",
                f"sqlite:///{Path(tmp) / 'bare.db'}",
                broker.bootstrap,
            )
        pg, bare = create_database(), create_database()
        try:
            if pg and bare:
                out["postgresql"] = _measure(pg, bare, broker.bootstrap)
        finally:
            for url in (pg, bare):
                if url:
                    drop_database(url)
        return out
    finally:
        broker.stop()
