"""For tests and benchmarks of the channels: a real webhook receiver, sample entries, quiet
settings, and a reader of the live stream."""

import contextlib
import json
import socket
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from notifier.channels.models import Delivery
from notifier.ingest import service
from notifier.settings import Settings
from notifier.testing import TRUST, state_of
from periplus.public import DATA_MODELS
from periplus.testing import Server

FAST = {
    "ingest_enabled": False,
    "alerts_enabled": False,
    "allow_private_receivers": True,
    "webhook_retry_schedule": [0.05] + [0.2] * 30,
    "webhook_poll_interval": 0.05,
    "webhook_timeout": 2.0,  # a prompt answer on a busy machine must not pass for none
    "kafka_bootstrap": "127.0.0.1:9",
    "ledger_url": "http://127.0.0.1:9",
    "public_url": "https://trips.example.org",
    **TRUST,
}
"""Settings for channel tests: no ingestion, loopback receivers, retries in tenths of seconds."""


def settings(database_url: str, **overrides: Any) -> Settings:
    return Settings(database_url=database_url, **{**FAST, **overrides})


def ingest(server: Server, *items: tuple[int, dict[str, Any]]) -> None:
    """Apply ``(index, event)`` items as verified ledger entries, as ingestion would."""
    with Session(state_of(server).engine) as session:
        service.apply(session, list(items))
        session.commit()


def subscribe(server: Server, **body: Any) -> dict[str, Any]:
    response = httpx.post(f"{server.url}/v1/subscriptions", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


class Reader:
    """Reads Server-Sent Events from an open response, one at a time."""

    def __init__(self, response: httpx.Response) -> None:
        self.response, self.lines = response, response.iter_lines()
        self.retry: int | None = None

    def next(self) -> dict[str, Any]:
        event: dict[str, Any] = {}
        for line in self.lines:
            if line == "":
                if "data" in event:
                    event["data"] = json.loads(event["data"])
                    return event
                continue
            if line.startswith(":"):
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "retry":
                self.retry = int(value)
            elif name in ("id", "event", "data"):
                event[name] = value
        raise AssertionError("the stream ended")

    def ids(self, count: int) -> list[str]:
        return [self.next()["id"] for _ in range(count)]


@contextlib.contextmanager
def connect(server: Server, **kwargs: Any) -> Iterator[Reader]:
    """The live stream of ``server``, open and answered with events."""
    with httpx.stream(
        "GET", f"{server.url}/v1/stream", timeout=httpx.Timeout(10.0), **kwargs
    ) as response:
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Reader(response)


@dataclass
class Received:
    headers: dict[str, str]
    body: bytes
    answered: int


@dataclass
class Receiver:
    """An HTTP server on a free loopback port that records every webhook it is sent.

    ``mode`` is what it does now: ``ok`` answers 204, ``fail`` answers 503,
    ``gone`` answers 410, ``flaky`` answers 503 to a ``webhook-id`` the first
    time and 204 after, ``hang`` answers 503 only after ``hang_seconds``. Every
    answer waits ``delay`` seconds first; failures carry ``retry_after`` if set.
    ``overlapped`` holds each ``webhook-id`` that came in while an attempt with
    the same id was still open; ``peak`` is the most requests open at once.
    """

    mode: str = "ok"
    hang_seconds: float = 2.0
    delay: float = 0.0
    retry_after: str | None = None
    received: list[Received] = field(default_factory=list)
    overlapped: set[str] = field(default_factory=set)
    peak: int = 0
    _open: Counter[str] = field(default_factory=Counter)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                webhook_id = self.headers.get("webhook-id", "")
                with receiver._lock:
                    if receiver._open[webhook_id]:
                        receiver.overlapped.add(webhook_id)
                    receiver._open[webhook_id] += 1
                    receiver.peak = max(receiver.peak, receiver._open.total())
                    seen = any(r.headers.get("webhook-id") == webhook_id for r in receiver.received)
                try:
                    status = receiver._answer(seen)
                    with receiver._lock:
                        receiver.received.append(
                            Received(
                                {k.lower(): v for k, v in self.headers.items()},
                                body,
                                status,
                            )
                        )
                    self.send_response(status)
                    if status >= 300 and receiver.retry_after is not None:
                        self.send_header("retry-after", receiver.retry_after)
                    self.send_header("content-length", "0")
                    self.end_headers()
                finally:
                    with receiver._lock:
                        receiver._open[webhook_id] -= 1

            def log_message(self, *_: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _answer(self, seen: bool) -> int:
        mode = self.mode
        time.sleep(self.hang_seconds if mode == "hang" else self.delay)
        if mode == "flaky":
            return 204 if seen else 503
        return {"ok": 204, "gone": 410}.get(mode, 503)

    def __enter__(self) -> "Receiver":
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def accepted(self) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.answered == 204]

    def all(self) -> list[Received]:
        with self._lock:
            return list(self.received)


class BlackHole:
    """A receiver that takes every connection and never answers."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"
        self.connections: list[socket.socket] = []
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self) -> None:
        with contextlib.suppress(OSError):  # closed
            while True:
                self.connections.append(self.listener.accept()[0])

    def __enter__(self) -> "BlackHole":
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        with contextlib.suppress(OSError):
            self.listener.shutdown(socket.SHUT_RDWR)  # wakes the thread in accept()
        self.listener.close()
        for connection in list(self.connections):
            connection.close()


def snapshot(
    reference: str = "MVD-2027-0001",
    departments: tuple[str, ...] = ("International Relations", "Mobility"),
    sdg_goals: tuple[int, ...] = (11, 17),
    departure: date = date(2027, 3, 8),
    report_due: date | None = None,
) -> dict[str, Any]:
    """A whole public trip record, as ``periplus.public.TripSnapshot`` reads it."""
    back = departure + timedelta(days=5)
    money = {"amount": "2400.00", "currency": "UYU"}
    return {
        "reference": reference,
        "title": "UCLG World Summit: local action on the SDGs",
        "purpose": "Present the urban mobility plan and negotiate a cooperation agreement.",
        "category": "summit",
        "itinerary": [
            {"country": "KR", "city": "Daejeon", "arrive": str(departure), "depart": str(back)}
        ],
        "departure_date": str(departure),
        "return_date": str(back),
        "travellers": [{"name": None, "position": "Director of Mobility", "elected": False}],
        "delegation_size": 1,
        "lead_department": departments[0],
        "departments": list(departments),
        "sdg_goals": list(sdg_goals),
        "sdg_targets": ["11.2"],
        "agenda": [
            {"date": str(departure + timedelta(days=1)), "kind": "session", "title": "Mobility"}
        ],
        "expected_outcomes": [{"id": "o1", "text": "A signed cooperation agreement."}],
        "budget": [
            {
                "category": "airfare",
                "payer": "city",
                "amount": money,
                "reporting": money,
                "exchange_rate": "1",
                "rate_date": str(departure - timedelta(days=30)),
            }
        ],
        "budget_total": money,
        "city_share": money,
        "approved_on": str(departure - timedelta(days=40)),
        "days_notice": 40,
        "report_due": str(report_due or back + timedelta(days=30)),
    }


class Entries:
    """Ledger entries in the public contract's shape, numbered from 0."""

    def __init__(self) -> None:
        self.index = -1
        self.seq = 0

    def make(self, type_: str, trip_id: str, data: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        DATA_MODELS[type_].model_validate(data)
        self.index += 1
        self.seq += 1
        return self.index, {
            "spec": "periplus.event/1",
            "id": str(uuid.uuid4()),
            "source": "montevideo/trips-api",
            "seq": self.seq,
            "type": type_,
            "trip_id": trip_id,
            "occurred_at": "2027-01-27T10:00:00.000Z",
            "data": data,
        }

    def approved(self, trip_id: str, **kwargs: Any) -> tuple[int, dict[str, Any]]:
        return self.make("trip.approved", trip_id, {"trip": snapshot(**kwargs)})

    def withholding(self, trip_id: str, index: int) -> tuple[int, dict[str, Any]]:
        """The ledger's notice that entry ``index`` of the trip is withheld under law."""
        self.index += 1
        data = {"index": index, "leaf_hash": "00" * 32, "reason": "privacy", "legal_basis": "Law 1"}
        return self.index, {
            "spec": "periplus.event/1",
            "id": str(uuid.uuid4()),
            "source": "montevideo/ledger",
            "seq": self.index,
            "type": "entry.withheld",
            "trip_id": trip_id,
            "occurred_at": "2027-05-01T10:00:00.000Z",
            "data": data,
        }


def due_at(engine: Engine, message_id: str, when: datetime) -> None:
    """Set when a delivery is next due, as a retry's schedule or a claim's lease would."""
    with Session(engine) as session:
        row = session.get(Delivery, message_id)
        assert row is not None
        row.next_attempt_at = when
        session.add(row)
        session.commit()
