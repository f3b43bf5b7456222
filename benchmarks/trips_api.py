"""trips-api: create-and-approve through real HTTP and the outbox, against a bare endpoint.

One create-and-approve is three requests (create a complete trip, submit it,
approve it with a second key), each in its own transaction; the approval
writes the public event into the outbox, which a relay publishes to a real
Kafka-protocol broker while the load runs. The baseline is a bare FastAPI
endpoint that takes the same JSON body and answers it, served by uvicorn the
same way in the same run, so the ratio says what validation, the database,
the history and the outbox cost per request. One client, one connection,
requests in sequence: latency figures are per request as a city system sees them.
"""

import os
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import create_engine, func, text
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from periplus.testing import Broker, Server
from trips_api.events.models import Event
from trips_api.keys import service as keys_service
from trips_api.main import build
from trips_api.settings import Settings
from trips_api.trips import examples

POSTGRES_URL = os.environ.get(
    "PERIPLUS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
TRIPS = 150
WARMUP = 10


def _percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "p50_ms": round(statistics.median(ordered) * 1000, 2),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] * 1000, 2),
    }


def _baseline(body: dict[str, Any], requests: int) -> dict[str, Any]:
    app = FastAPI()

    @app.post("/echo")
    def echo(payload: dict[str, Any]) -> dict[str, Any]:
        return payload

    with Server(app) as server, httpx.Client(base_url=server.url) as client:
        for _ in range(WARMUP):
            client.post("/echo", json=body)
        latencies = []
        started = time.perf_counter()
        for _ in range(requests):
            t = time.perf_counter()
            client.post("/echo", json=body).raise_for_status()
            latencies.append(time.perf_counter() - t)
        elapsed = time.perf_counter() - started
    return {"requests_per_s": round(requests / elapsed), **_percentiles(latencies)}


def _trips(database_url: str, bootstrap: str) -> dict[str, Any]:
    settings = Settings(
        database_url=database_url, kafka_bootstrap=bootstrap, public_read_burst=10**6
    )
    app = build(settings)
    with Server(app) as server:
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
        clients = {
            role: httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"})
            for role, key in keys.items()
        }
        for code in ("international-relations", "mobility"):
            clients["admin"].post(
                "/v1/departments", json={"code": code, "name": code.title()}
            ).raise_for_status()
        body = examples.trip()
        requests: list[float] = []
        whole: list[float] = []

        def one() -> None:
            started, trip_id = time.perf_counter(), ""
            for role, path, payload in (
                ("writer", "/v1/trips", body),
                ("writer", "/v1/trips/{id}/submit", None),
                ("approver", "/v1/trips/{id}/approve", None),
            ):
                t = time.perf_counter()
                response = clients[role].post(
                    path.format(id=trip_id) if "{id}" in path else path,
                    json=payload,
                    headers={"Idempotency-Key": str(uuid.uuid4())},
                )
                response.raise_for_status()
                requests.append(time.perf_counter() - t)
                if role == "writer" and payload is not None:
                    trip_id = response.json()["id"]
            whole.append(time.perf_counter() - started)

        for _ in range(WARMUP):
            one()
        requests.clear()
        whole.clear()
        started = time.perf_counter()
        for _ in range(TRIPS):
            one()
        elapsed = time.perf_counter() - started

        drain_started = time.perf_counter()
        while True:
            with Session(app.state.engine) as session:  # short transactions: SQLite locks
                pending = session.exec(
                    select(func.count()).select_from(Event).where(col(Event.published).is_(False))
                ).one()
                events = session.exec(select(func.count()).select_from(Event)).one()
            if pending == 0 or time.perf_counter() - drain_started > 30:
                break
            time.sleep(0.05)
        for client in clients.values():
            client.close()
    return {
        "trips_per_s": round(TRIPS / elapsed, 1),
        "requests_per_s": round(3 * TRIPS / elapsed),
        "request": _percentiles(requests),
        "create_and_approve": _percentiles(whole),
        "events_in_outbox": events,
        "outbox_pending_after_load": pending,
        "outbox_drain_s": round(time.perf_counter() - drain_started, 2),
    }


def _postgres() -> str | None:
    try:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        name = f"periplus_bench_{uuid.uuid4().hex[:8]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception:
        return None
    return str(make_url(POSTGRES_URL).set(database=name).render_as_string(False))


def _drop(url: str) -> None:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        name = make_url(url).database
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def run() -> dict[str, Any]:
    broker = Broker()
    broker.start()
    try:
        baseline = _baseline(examples.trip(), 3 * TRIPS)
        out: dict[str, Any] = {"baseline_bare_fastapi": baseline}
        with tempfile.TemporaryDirectory() as tmp:
            databases = {"sqlite": f"sqlite:///{Path(tmp) / 'trips.db'}"}
            pg = _postgres()
            if pg:
                databases["postgresql"] = pg
            for name, url in databases.items():
                figures = _trips(url, broker.bootstrap)
                figures["ratio_to_baseline"] = round(
                    figures["requests_per_s"] / baseline["requests_per_s"], 3
                )
                out[name] = figures
            if pg:
                _drop(pg)
        return out
    finally:
        broker.stop()


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=2))
