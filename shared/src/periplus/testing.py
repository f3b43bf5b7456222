"""Helpers for tests that run the real thing: a broker, HTTP servers, polling, and the
tables of an outbox to relay."""

import base64
import fcntl
import os
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy import Column, Engine, LargeBinary, inspect, text
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel

from periplus import web
from periplus.canonical import canonical_bytes
from periplus.kafka import Connection, make_producer
from periplus.local import broker_command, wait_for_port
from periplus.note import Signer


def apt_install(*packages: str, timeout: float = 900) -> None:
    """Install Debian packages, one install at a time across parallel test workers
    (apt holds a lock of its own and fails, not waits, when another install runs).

    Raises ``OSError`` or ``subprocess.SubprocessError`` when apt cannot install them.
    """
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    with (Path(tempfile.gettempdir()) / "periplus-tests-apt.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        # A new machine's package lists are empty until the first update.
        for command in (["apt-get", "update"], ["apt-get", "install", "-y", *packages]):
            subprocess.run(command, check=True, capture_output=True, timeout=timeout, env=env)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Broker:
    """A Tansu broker on a free port that a test may restart (losing everything).

    ``advertised_port`` and ``authentication`` are passed to ``broker_command``.
    """

    def __init__(self, advertised_port: int | None = None, authentication: bool = False) -> None:
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.connection = Connection(self.bootstrap)
        self.advertised_port, self.authentication = advertised_port, authentication
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            broker_command(
                self.port,
                advertised_port=self.advertised_port,
                authentication=self.authentication,
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def restart(self) -> None:
        self.stop()
        self.start()


def produce(
    connection: Connection, topic: str, values: Iterable[bytes], key: bytes | None = None
) -> None:
    """Send raw values to a topic, in order and flushed, as anyone who can produce to it can."""
    producer = make_producer(connection)
    try:
        for value in values:
            producer.send(topic, value, key)
        producer.flush(timeout=10)
    finally:
        producer.close()


class Server:
    """A FastAPI app served by uvicorn on a free port, in a thread: real HTTP.

    It stops as a service stops on SIGTERM (``periplus.web.Server``).
    """

    def __init__(self, app: Any) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = web.Server(app, "127.0.0.1", self.port)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "Server":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *_: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def eventually(check: Any, timeout: float = 20.0, interval: float = 0.05) -> Any:
    """Poll ``check`` until it returns a truthy value; fail with its last result."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout} s; last result: {result!r}")
        time.sleep(interval)


class OutboxTables(SQLModel, registry=registry()):
    """The tables of the outbox relay's own tests (and of the relay they run in a process
    of its own), in a metadata of their own: the services declare theirs by migrations."""


class Outgoing(OutboxTables, table=True):
    """An outbox: each row a message to publish, in ``seq`` order."""

    seq: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    payload: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class Cursor(OutboxTables, table=True):
    """How far the relay has published, per topic."""

    topic: str = Field(primary_key=True)
    position: int


def column_types(engine: Engine, columns: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """Each (table, column)'s type as the database declares it, in capitals (``BIGINT``)."""
    found = inspect(engine)
    return {
        (table, column): next(
            str(c["type"]) for c in found.get_columns(table) if c["name"] == column
        ).upper()
        for table, column in columns
    }


def sequence_types(engine: Engine) -> dict[tuple[str, str], str]:
    """On PostgreSQL each sequence's type, keyed (name, "sequence"); none on SQLite."""
    if engine.dialect.name != "postgresql":
        return {}
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT sequencename, data_type FROM pg_sequences"))
        return {(str(name), "sequence"): str(kind).upper() for name, kind in rows}


def greatest(engine: Engine, columns: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The greatest value each (table, column) holds."""
    with engine.connect() as connection:
        return {
            (table, column): connection.execute(
                text(f'SELECT max("{column}") FROM "{table}"')
            ).scalar_one()
            for table, column in columns
        }


def signed_as_is(signer: Signer, body: Mapping[str, Any]) -> dict[str, Any]:
    """``body`` with ``signer``'s signature over its RFC 8785 form, whatever it holds: what
    a source with its key, or an older one without today's rules on text, could send."""
    signature = signer.verifier.key_id + signer.private_key.sign(canonical_bytes(body))
    return {**body, "sig": base64.b64encode(signature).decode()}
