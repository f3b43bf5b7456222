"""The ledger's connections give up rather than hang, and its writer role is a lease."""

import logging
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from ledger import state
from ledger.testing import SEED, Ledger, event, serve
from periplus.cosignature import Cosigner
from periplus.kafka import ensure_topic, make_producer
from periplus.keyfile import from_seed
from periplus.note import Signer
from periplus.testing import Broker, eventually

ORIGIN = "periplus.test/ledger"


def signed_size(ledger: Ledger) -> int:
    return int(ledger.get("/v1/log/checkpoint").text.split("\n")[1])


def test_the_service_connections_carry_its_settings(database_url: str, backend: str) -> None:
    with (
        serve(
            database_url,
            database_lock_timeout=2,
            database_statement_timeout=20,
            database_idle_in_transaction_timeout=30,
            database_dead_peer_timeout=9,
        ) as ledger,
        ledger.engine.connect() as connection,
    ):
        if backend == "sqlite":
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 2000
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            return
        for name, value in {
            "lock_timeout": "2s",
            "statement_timeout": "20s",
            "idle_in_transaction_session_timeout": "30s",
            "tcp_keepalives_idle": "4",  # then 2 probes 2 s apart: 9 s of silence in all
        }.items():
            assert connection.exec_driver_sql(f"SHOW {name}").scalar() == value


LOCK_HOLDER = text(
    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
    "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


def end_lock_session(database_url: str) -> int | None:
    """End the session that holds the writer's advisory lock on this database; its pid."""
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    with engine.connect() as connection:
        pid = connection.execute(LOCK_HOLDER).scalar()
        if pid is not None:
            assert connection.execute(text("SELECT pg_terminate_backend(:p)"), {"p": pid}).scalar()
    engine.dispose()
    return None if pid is None else int(pid)


def sessions(database_url: str) -> tuple[int | None, set[int]]:
    """The pid of the session holding the writer's advisory lock, and every session's pid,
    read from another connection (which renews no lease)."""
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    with engine.connect() as connection:
        holder = connection.execute(LOCK_HOLDER).scalar()
        alive = set(connection.execute(text("SELECT pid FROM pg_stat_activity")).scalars())
    engine.dispose()
    return holder, alive


@pytest.fixture
def postgresql(backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("the SQLite lock is a flock, which goes only with its process")


@pytest.mark.usefixtures("postgresql")
def test_a_writer_whose_lock_connection_is_ended_steps_down_and_another_takes_over(
    database_url: str,
) -> None:
    with (
        serve(database_url, writer_retry=1.0) as writer,
        serve(database_url, writer_retry=0.1) as reader,
    ):
        assert writer.is_writer
        assert not reader.is_writer
        assert end_lock_session(database_url) is not None
        eventually(lambda: reader.is_writer, timeout=10)
        eventually(lambda: not writer.is_writer, timeout=10)
        reader.fill(2)
        assert signed_size(reader) == 2


@pytest.mark.usefixtures("postgresql")
def test_a_writer_that_stops_renewing_loses_its_lease_and_signs_nothing(
    database_url: str, broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    """The server ends the lock's session once it has been silent for the lease (a writer
    cut off from the database, or stalled); the standby takes over, and the old writer,
    whose lease has run out by its own clock too, signs nothing."""
    topic = f"trips-{uuid.uuid4().hex[:8]}"
    ensure_topic(broker.connection, topic)
    options = {
        "ingest_enabled": True,
        "kafka_bootstrap": broker.bootstrap,
        "trips_topic": topic,
        "entries_topic": f"entries-{topic}",
        "writer_retry": 0.2,
        "writer_lease": 1.0,
        "checkpoint_interval": 0.1,
    }
    caplog.set_level(logging.WARNING, logger="ledger.main")
    with serve(database_url, **options) as writer, serve(database_url, **options) as reader:
        assert writer.is_writer
        silent, _ = sessions(database_url)
        assert silent is not None
        state.of(writer.app).writer.retry_seconds = 3600  # renews no more from its next wait
        eventually(lambda: reader.is_writer, timeout=10)
        lock = state.of(writer.app).writer.lock
        # The old writer never let go (it still holds its lock connection), yet its session
        # is gone: the server ended it for the silence (idle_session_timeout, the lease).
        holder, alive = sessions(database_url)
        assert lock.held
        assert not lock.lease_valid()
        assert silent not in alive
        assert holder in alive  # the reader's
        eventually(lambda: "the writer's lease ran out" in caplog.text, timeout=5)
        producer = make_producer(broker.connection)
        trip = uuid.uuid4()
        for seq in (1, 2, 3):
            producer.send(topic, event(seq, trip).model_dump_json().encode())
        producer.flush(timeout=10)
        producer.close(timeout=2)
        eventually(lambda: signed_size(reader) == 3, timeout=20)


@pytest.fixture
def silent_witness() -> Iterator[str]:
    """A witness that accepts connections and never answers."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"


def test_a_witness_that_never_answers_costs_the_witness_timeout(
    database_url: str, silent_witness: str, broker: Broker, tmp_path: Path
) -> None:
    witness = Cosigner("witness.test/silent", Ed25519PrivateKey.generate())
    policy = tmp_path / "trust.policy"
    policy.write_text(
        f"log {Signer(ORIGIN, from_seed(SEED)).verifier}\n"
        f"witness silent {witness.key} {silent_witness}\nquorum silent\n"
    )
    options = {"ingest_enabled": True, "kafka_bootstrap": broker.bootstrap}
    with serve(database_url, witness_policy_file=policy, witness_timeout=0.5, **options) as ledger:

        def problem() -> str | None:
            state = ledger.get("/v1/log/witnesses").json()["witnesses"][0]
            return None if state["problem"] is None else str(state["problem"])

        found = eventually(problem, timeout=10)  # a hang guard, twice the 5 s default
    # The ledger gave up reading (its read timeout acted), not connecting or being refused.
    assert found.startswith("unreachable: ReadTimeout")
