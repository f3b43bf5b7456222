"""What the ingestion tests share: a notifier in front of a ledger (announcing on a topic
of its own, if asked), an announcement anyone could produce, and what the notifier shows,
stages, verified and quarantined."""

import json
import uuid
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlmodel import Session, col, select

from ledger.testing import SEED, Ledger
from ledger.testing import serve as serve_ledger
from notifier.ingest.models import StagedEntry, VerifiedTree
from notifier.publish.models import LoggedEntry, TripView
from notifier.testing import Site, serve
from periplus import keyfile
from periplus.kafka import Connection, ensure_topic, make_producer
from periplus.note import Signer

ORIGIN = "periplus.test/ledger"
LEDGER_KEY = Signer(ORIGIN, keyfile.from_seed(SEED)).verifier
IMPOSTOR = Ed25519PrivateKey.from_private_bytes(bytes(range(50, 82)))
QUICK = {"checkpoint_poll_interval": 0.05, "catchup_interval": 3600.0}


@contextmanager
def notifier(database_url: str, ledger: Ledger, **extra: Any) -> Iterator[Site]:
    yield from serve(database_url, ledger_url=ledger.url, **extra)


def announcing(
    connection: Connection, tmp_path: Path, topic: str
) -> AbstractContextManager[Ledger]:
    """A ledger on SQLite that announces each entry on ``topic``."""
    return serve_ledger(
        f"sqlite:///{tmp_path / 'ledger.db'}",
        ingest_enabled=True,
        kafka_bootstrap=connection.bootstrap,
        entries_topic=topic,
        trips_topic=f"{topic}.in",
    )


@contextmanager
def announced(
    connection: Connection, database_url: str, tmp_path: Path, **notifier_settings: Any
) -> Iterator[tuple[Ledger, Site, str]]:
    """A ledger that announces on a topic of its own, and a notifier that reads it."""
    topic = f"ledger.entries.{uuid.uuid4().hex[:8]}"
    ensure_topic(connection, topic)
    with (
        announcing(connection, tmp_path, topic) as ledger,
        notifier(
            database_url,
            ledger,
            ingest_enabled=True,
            kafka_bootstrap=connection.bootstrap,
            entries_topic=topic,
            **{**QUICK, **notifier_settings},
        ) as site,
    ):
        yield ledger, site, topic


def announce(connection: Connection, topic: str, message: dict[str, Any]) -> None:
    """What anyone who can produce to the topic can do."""
    producer = make_producer(connection)
    try:
        producer.send(topic, json.dumps(message).encode(), b"forger")
        producer.flush()
    finally:
        producer.close()


def shown(site: Site) -> list[int]:
    with Session(site.app.state.engine) as session:
        return list(session.exec(select(LoggedEntry.index).order_by(col(LoggedEntry.index))))


def staged(site: Site) -> list[int]:
    with Session(site.app.state.engine) as session:
        return sorted(session.exec(select(StagedEntry.index)))


def verified_size(site: Site) -> int:
    with Session(site.app.state.engine) as session:
        row = session.get(VerifiedTree, 1)
        return 0 if row is None else row.size


def quarantined(site: Site) -> list[dict[str, Any]]:
    answer = httpx.get(f"{site.url}/v1/quarantine")
    assert answer.status_code == 200
    items: list[dict[str, Any]] = answer.json()["items"]
    return items


def metric(site: Site, name: str, label: str) -> float:
    for line in httpx.get(f"{site.url}/metrics").text.splitlines():
        if line.startswith(f"{name}{{{label}}} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


def trip_view(site: Site, trip: str) -> TripView | None:
    with Session(site.app.state.engine) as session:
        return session.get(TripView, trip)
