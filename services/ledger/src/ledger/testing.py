"""Helpers for tests and benchmarks: a ledger served over real HTTP, and events to feed it."""

import atexit
import base64
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlalchemy.engine import make_url
from sqlmodel import Session, col, select

from ledger import state
from ledger.ingest.models import Quarantined
from ledger.ingest.service import Ingestor
from ledger.log.service import sign_checkpoint
from ledger.log.signing import source_signer
from ledger.main import build
from ledger.settings import Settings
from periplus import keyfile, sources
from periplus.events import Envelope
from periplus.kafka import make_producer
from periplus.note import Signer
from periplus.sources import SourceKeys
from periplus.testing import Broker, Server

SEED = base64.b64encode(bytes(range(32))).decode()
SOURCE = "test-city/trips-api"
SOURCE_SIGNER = Signer(SOURCE, keyfile.from_seed(base64.b64encode(bytes(range(1, 33))).decode()))


def source_keys() -> SourceKeys:
    """The keys a ledger configured with the test source trusts."""
    return SourceKeys.configured({SOURCE: [str(SOURCE_SIGNER.verifier)]})


def produce(broker: Broker, topic: str, values: list[bytes]) -> None:
    """Send raw values to a topic of the real broker, in order, as a source would."""
    producer = make_producer(broker.connection)
    for raw in values:
        producer.send(topic, value=raw)
    producer.flush(timeout=10)
    producer.close()


def trip_data(departments: list[str], goals: list[int]) -> dict[str, Any]:
    """Enough of a trip snapshot for the ledger's tags (the ledger does not check data)."""
    return {
        "trip": {
            "reference": "T-1",
            "lead_department": departments[0],
            "departments": departments,
            "sdg_goals": goals,
        }
    }


def event(
    seq: int,
    trip_id: uuid.UUID,
    type_: str = "trip.approved",
    data: dict[str, Any] | None = None,
    day: int = 1,
    signer: Signer = SOURCE_SIGNER,
) -> Envelope:
    """An event signed by ``signer`` (the test source's key by default)."""
    return sources.sign(
        signer,
        seq=seq,
        type_=type_,
        trip_id=trip_id,
        occurred_at=f"2026-03-{day:02d}T10:00:00Z",
        data=data if data is not None else {"n": seq},
    )


@dataclass
class Ledger:
    url: str
    engine: Engine
    signer: Signer
    settings: Settings
    http: httpx.Client
    app: Any = None
    seq: int = 0

    @property
    def own_signer(self) -> Signer:
        """The log key under the name of the ledger's own source (its notices)."""
        return source_signer(self.settings, self.signer)

    @property
    def is_writer(self) -> bool:
        return state.of(self.app).writer.is_writer

    def append(self, envelopes: list[Envelope], checkpoint: bool = True) -> None:
        with Session(self.engine) as session:
            Ingestor(self.engine, {}, self.http).ingest(session, envelopes)
            session.commit()
            if checkpoint:  # past the record of what was signed: tests forge logs this way
                sign_checkpoint(session, self.signer)
                session.commit()

    def fill(self, count: int, trip_id: uuid.UUID | None = None) -> None:
        trip = trip_id or uuid.uuid4()
        start = self.seq
        self.seq += count
        self.append([event(start + i + 1, trip) for i in range(count)])

    def get(self, path: str, **params: Any) -> httpx.Response:
        return self.http.get(f"{self.url}{path}", params=params)

    def kept(self) -> list[Quarantined]:
        """The quarantine as the database keeps it, bytes no source signed included (the
        public list leaves those out)."""
        with Session(self.engine) as session:
            return list(session.exec(select(Quarantined).order_by(col(Quarantined.id))).all())


def ledger_settings(database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": database_url,
        "signing_key": SEED,
        "origin": "periplus.test/ledger",
        # The test source's catch-up endpoint answers nothing (port 9 discards).
        "sources": {SOURCE: {"url": "http://127.0.0.1:9", "keys": [str(SOURCE_SIGNER.verifier)]}},
        "ingest_enabled": False,
        "kafka_bootstrap": "127.0.0.1:1",
        "own_source": "test-city/ledger",
        "signed_checkpoint_file": signed_checkpoint_file(database_url),
    }
    values.update(overrides)
    return Settings(**values)


def signed_checkpoint_file(database_url: str) -> Path:
    """One file per database, as processes that share a database share the key's volume:
    beside a SQLite file, else named after the database in a folder of this process."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
        return Path(f"{url.database}.checkpoint")
    return _checkpoints() / f"{url.database or uuid.uuid4().hex}.checkpoint"


@cache
def _checkpoints() -> Path:
    folder = tempfile.mkdtemp(prefix="periplus-ledger-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return Path(folder)


@contextmanager
def serve(database_url: str, **overrides: Any) -> Iterator[Ledger]:
    """A ledger app on a free port over ``database_url``, with ingestion off by default."""
    settings = ledger_settings(database_url, **overrides)
    app = build(settings)
    with Server(app) as server, httpx.Client(timeout=30) as http:
        kept = state.of(app)
        yield Ledger(server.url, kept.engine, kept.keys.signer, settings, http, app)
