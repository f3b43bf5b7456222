"""The ledger and the notifier as followers, behind one interface for one test suite.

Each harness runs a service's real ingestion code on a real database (the
test's backend) against a real source over HTTP: for the ledger, two cities'
catch-up endpoints; for the notifier, a real ledger. Between the follower and
its source stands a ``Switch`` that can fail or hang. Records are numbered by
their seq in one of two streams (two sources, A and B), so the same test reads
the same for both services.

The suite lives here, beside the other tests that span services, rather than
in ``shared/tests``: it runs both services' own code, and shared's tests import
no service.
"""

import asyncio
import json
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, Literal, Protocol

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ledger import testing as ledger_testing
from ledger.ingest.models import Quarantined
from ledger.ingest.service import Ingestor as LedgerIngestor
from ledger.log.models import Entry
from ledger.main import MIGRATIONS as LEDGER_MIGRATIONS
from notifier import trust as trust_config
from notifier.ingest.ingestor import Ingestor as NotifierIngestor
from notifier.ingest.reader import LedgerReader
from notifier.main import MIGRATIONS as NOTIFIER_MIGRATIONS
from periplus import db, sources
from periplus.canonical import canonical_bytes
from periplus.events import parse_envelope
from periplus.follower import Backoff
from periplus.kafka import Record
from periplus.note import Signer
from periplus.policy import Policy
from periplus.sources import SourceKeys
from periplus.testing import Server, signed_as_is

Stream = Literal["A", "B"]
STREAMS: tuple[Stream, ...] = ("A", "B")
SIGNERS: dict[Stream, Signer] = {
    "A": ledger_testing.SOURCE_SIGNER,
    "B": Signer("other-city/trips-api", Ed25519PrivateKey.from_private_bytes(bytes(range(40, 72)))),
}
SOURCE: dict[Stream, str] = {stream: signer.name for stream, signer in SIGNERS.items()}
STREAM = {name: stream for stream, name in SOURCE.items()}
TIMEOUT = httpx.Timeout(2.0)  # short, so that a source that hangs costs little


class Clock:
    """The back-off's clock: time passes when the test says so."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Offsets:
    """Where each record sits in the broker's partition: delivered again, it is at the same
    offset, as a broker redelivers."""

    def __init__(self) -> None:
        self._at: dict[tuple[Stream, int], int] = {}

    def at(self, stream: Stream, seq: int) -> int:
        return self._at.setdefault((stream, seq), len(self._at))


class Switch:
    """A source as the follower reaches it over HTTP: ``up`` answers as ``answer`` does,
    ``down`` answers 503, ``hang`` accepts and never answers (until the test ends)."""

    def __init__(self, answer: Any) -> None:
        self.answer = answer
        self.mode: Literal["up", "down", "hang"] = "up"
        self.asked = 0
        self.hanging = threading.Event()  # a request is in a hang now
        self._released = threading.Event()
        self.app = Starlette(routes=[Route("/{path:path}", self._serve)])

    async def _serve(self, request: Request) -> Response:
        self.asked += 1
        if self.mode == "hang":
            self.hanging.set()
            while not self._released.is_set():
                await asyncio.sleep(0.05)
        if self.mode != "up":
            return Response("down for the test", status_code=503)
        status, body = await asyncio.to_thread(
            self.answer, request.url.path, dict(request.query_params)
        )
        return Response(body, status_code=status, media_type="application/json")

    @contextmanager
    def serving(self) -> Iterator[str]:
        with Server(self.app) as server:
            try:
                yield server.url
            finally:
                self._released.set()


def signed(stream: Stream, seq: int, poisoned: bool = False) -> bytes:
    """The event ``seq`` of ``stream``, signed by its city; a poisoned one carries a NUL
    in its text (valid JSON, valid RFC 8785, a valid signature, refused by every consumer)."""
    signer = SIGNERS[stream]
    envelope = sources.sign(
        signer,
        seq=seq,
        type_="trip.approved",
        trip_id=uuid.uuid4(),
        occurred_at="2026-03-01T10:00:00Z",
        data={"n": seq},
    )
    if not poisoned:
        return canonical_bytes(envelope.to_json())
    body = {**envelope.to_json(signed=False), "data": {"n": f"{seq}\x00"}}
    return canonical_bytes(signed_as_is(signer, body))


def no_write_held(engine: Engine) -> bool:
    """Whether another connection could write to the follower's database at once."""
    if engine.dialect.name == "sqlite":
        # A connection of its own, not the engine's (whose transactions begin as writes).
        own = sqlite3.connect(str(engine.url.database), timeout=0, isolation_level=None)
        try:
            own.execute("BEGIN IMMEDIATE")
            own.execute("ROLLBACK")
        except sqlite3.OperationalError:
            return False
        finally:
            own.close()
        return True
    with engine.connect() as connection:
        others = connection.execute(
            text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                " AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
            )
        ).scalar()
    return bool(others == 0)


class Harness(Protocol):
    holds: bool
    """Whether a stream waits at a record that cannot be applied (the ledger keeps each
    source's seq order) rather than passing it (the notifier shows the rest)."""
    engine: Engine
    switch: Switch
    clock: Clock

    def publish(self, stream: Stream, count: int, poisoned: tuple[int, ...] = ()) -> None:
        """The source holds ``count`` more records of ``stream``."""

    def deliver(self, stream: Stream, seqs: list[int]) -> None:
        """These records arrive by the broker, in this order, and are handled."""

    def follow(self) -> int:
        """One periodic catch-up; how many records it applied."""

    def applied(self, stream: Stream) -> list[int]:
        """The seqs of ``stream`` applied, in the order applied."""

    def quarantined(self) -> list[tuple[Stream, int]]:
        """The records quarantined, one line per listing."""

    def restart(self) -> None:
        """A new process of the service over the same database."""


class LedgerHarness:
    """The ledger following two cities' catch-up endpoints."""

    holds = True

    def __init__(
        self,
        database_url: str,
        stack: ExitStack,
        timeout: httpx.Timeout = TIMEOUT,
        own: dict[Stream, httpx.Timeout] | None = None,
    ) -> None:
        """``timeout`` is the HTTP client's; ``own``, the timeouts of sources that have some."""
        self.engine = db.make_engine(database_url)
        stack.callback(self.engine.dispose)
        db.upgrade(self.engine, LEDGER_MIGRATIONS)
        self.records: dict[Stream, list[bytes]] = {stream: [] for stream in STREAMS}
        self.switch = Switch(self._answer)
        self.url = stack.enter_context(self.switch.serving())
        self.http = stack.enter_context(httpx.Client(timeout=timeout))
        self.own = {SOURCE[stream]: value for stream, value in (own or {}).items()}
        self.offsets = Offsets()
        self.restart()

    def restart(self) -> None:
        self.clock = Clock()
        keys = SourceKeys.configured({s.name: [str(s.verifier)] for s in SIGNERS.values()})
        urls = {SOURCE[stream]: f"{self.url}/{stream}" for stream in STREAMS}
        backoff = Backoff("source", clock=self.clock)
        self.ingestor = LedgerIngestor(self.engine, urls, self.http, keys, backoff, self.own)

    def _answer(self, path: str, params: dict[str, str]) -> tuple[int, bytes]:
        stream = path.strip("/").split("/")[0]
        after, limit = int(params["after"]), int(params.get("limit", 100))
        found = self.records[stream][after : after + limit]  # type: ignore[index]
        return 200, json.dumps({"events": [json.loads(raw) for raw in found]}).encode()

    def publish(self, stream: Stream, count: int, poisoned: tuple[int, ...] = ()) -> None:
        held = self.records[stream]
        for seq in range(len(held) + 1, len(held) + count + 1):
            held.append(signed(stream, seq, seq in poisoned))

    def deliver(self, stream: Stream, seqs: list[int]) -> None:
        records = [
            Record("trips", 0, self.offsets.at(stream, seq), None, self.records[stream][seq - 1])
            for seq in seqs
        ]
        with Session(self.engine) as session:
            self.ingestor.handle(session, self.ingestor.prepare(records))
            session.commit()

    def follow(self) -> int:
        return self.ingestor.catch_up()

    def applied(self, stream: Stream) -> list[int]:
        with Session(self.engine) as session:
            query = select(Entry.seq).where(col(Entry.source) == SOURCE[stream])
            return list(session.exec(query.order_by(col(Entry.index))))

    def quarantined(self) -> list[tuple[Stream, int]]:
        with Session(self.engine) as session:
            rows = session.exec(
                select(Quarantined.source, Quarantined.seq).order_by(col(Quarantined.id))
            )
            return [(STREAM[str(source)], int(seq or 0)) for source, seq in rows]


class NotifierHarness:
    """The notifier following a real ledger, which logs two cities' events."""

    holds = False

    def __init__(self, database_url: str, stack: ExitStack, workdir: Path) -> None:
        self.ledger = stack.enter_context(
            ledger_testing.serve(f"sqlite:///{workdir / 'source-ledger.db'}")
        )
        self.engine = db.make_engine(database_url)
        stack.callback(self.engine.dispose)
        db.upgrade(self.engine, NOTIFIER_MIGRATIONS)
        self.switch = Switch(self._answer)
        self.url = stack.enter_context(self.switch.serving())
        self.http = stack.enter_context(httpx.Client(timeout=TIMEOUT))
        self.policy = workdir / "notifier.policy"
        self.policy.write_text(str(Policy.log_only(self.ledger.signer.verifier)))
        self.published: dict[Stream, list[bytes]] = {stream: [] for stream in STREAMS}
        self.index: dict[tuple[Stream, int], int] = {}  # each record's index in the log
        self.offsets = Offsets()
        self.restart()

    def restart(self) -> None:
        self.clock = Clock()
        trust = trust_config.load(
            self.policy,
            {s.name: [str(s.verifier)] for s in SIGNERS.values()},
            self.ledger.settings.own_source,
        )
        backoff = Backoff("ledger", clock=self.clock)
        reader = LedgerReader(self.url, self.http)
        self.ingestor = NotifierIngestor(self.engine, reader, trust, backoff=backoff)

    def _answer(self, path: str, params: dict[str, str]) -> tuple[int, bytes]:
        response = self.ledger.http.get(f"{self.ledger.url}{path}", params=params)
        return response.status_code, response.content

    def publish(self, stream: Stream, count: int, poisoned: tuple[int, ...] = ()) -> None:
        held = self.published[stream]
        envelopes = []
        for seq in range(len(held) + 1, len(held) + count + 1):
            held.append(signed(stream, seq, seq in poisoned))
            self.index[(stream, seq)] = len(self.index)
            envelopes.append(parse_envelope(held[-1], logged=True))
        self.ledger.append(envelopes)

    def deliver(self, stream: Stream, seqs: list[int]) -> None:
        records = []
        for seq in seqs:
            event = json.loads(self.published[stream][seq - 1])
            value = json.dumps({"index": self.index[(stream, seq)], "event": event}).encode()
            records.append(Record("ledger.entries", 0, self.offsets.at(stream, seq), None, value))
        with Session(self.engine) as session:
            self.ingestor.handle(session, self.ingestor.prepare(records))
            session.commit()
        self.ingestor.catch_up()  # the follower, woken by the commit

    def follow(self) -> int:
        return self.ingestor.catch_up()

    def applied(self, stream: Stream) -> list[int]:
        at = {index: key for key, index in self.index.items()}
        with self.engine.connect() as connection:
            rows = connection.execute(text('SELECT "index" FROM logged_entry ORDER BY "index"'))
            keys = [at[int(index)] for index in rows.scalars()]
        return [seq for of, seq in keys if of == stream]

    def quarantined(self) -> list[tuple[Stream, int]]:
        at = {index: key for key, index in self.index.items()}
        with self.engine.connect() as connection:
            rows = connection.execute(
                text("SELECT ledger_index FROM quarantined WHERE kind = 'entry' ORDER BY id")
            )
            return [at[int(index)] for index in rows.scalars()]
