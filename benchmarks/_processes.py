"""The processes the notifier benchmarks run: a notifier on a SQLite file this process
writes entries into, a ledger over a file, and the bare helper servers of
``benchmarks._servers``. Servers and clients run in separate processes: in one, two busy
threads hand the interpreter lock back and forth and measure that instead."""

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine
from sqlmodel import Session

from ledger.testing import SEED as LEDGER_SEED
from ledger.testing import ledger_settings
from notifier.ingest import service
from notifier.main import MIGRATIONS
from notifier.testing import SOURCE_SIGNER
from periplus import db
from periplus.local import wait_for_port
from periplus.note import Signer
from periplus.policy import Policy
from periplus.testing import free_port

BIN = Path(sys.executable).parent
READERS = 1000  # live-stream readers, all from this process's one address
CONCURRENCY = 16  # the worker's default sending threads


@contextmanager
def process(command: list[str], port: int, env: dict[str, str] | None = None) -> Iterator[str]:
    """``command`` running until the block ends; its URL once its port answers."""
    child = subprocess.Popen(
        command,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        wait_for_port(port, timeout=60)
        yield f"http://127.0.0.1:{port}"
    finally:
        child.terminate()
        child.wait(timeout=20)


@contextmanager
def notifier_process(workdir: Path, **env: str) -> Iterator[tuple[str, Engine]]:
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
        with process([str(BIN / "notifier"), "serve"], port, settings) as base:
            yield base, engine
    finally:
        engine.dispose()


def ingest(engine: Engine, item: tuple[int, dict[str, Any]]) -> None:
    """One entry into the notifier's database, as its ingestion applies it."""
    with Session(engine) as session:
        service.apply(session, [item])
        session.commit()


def helper(role: str) -> Any:
    """One of ``benchmarks._servers``' servers in a process of its own."""
    port = free_port()
    return process([sys.executable, "-m", "benchmarks.notifier", role, str(port)], port)


@contextmanager
def ledger_process(path: Path) -> Iterator[str]:
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
    with process([str(BIN / "ledger"), "serve"], port, env) as url:
        yield url
