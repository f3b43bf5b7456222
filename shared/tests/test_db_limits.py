"""No connection waits forever: lock waits, statements, idle transactions and silent peers
are bounded, on the real databases."""

import threading
from collections.abc import Iterator

import pytest
from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import DBAPIError

from periplus import db

LIMITS = db.Limits(lock=0.5, statement=1.5, idle_in_transaction=1.0, dead_peer=12, connect=4)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = db.make_engine(database_url, LIMITS)
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES ('event_seq', 0)"))
    yield engine
    engine.dispose()


def advance(connection: Connection) -> None:
    connection.execute(text("UPDATE counter SET value = value + 1 WHERE name = 'event_seq'"))


def test_each_connection_carries_the_limits(engine: Engine, backend: str) -> None:
    with engine.connect() as connection:
        if backend == "sqlite":
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar() == 500
            assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
            assert connection.exec_driver_sql("PRAGMA cache_size").scalar() == -65536  # KiB
            return
        shown = {
            name: connection.exec_driver_sql(f"SHOW {name}").scalar()
            for name in (
                "lock_timeout",
                "statement_timeout",
                "idle_in_transaction_session_timeout",
                "tcp_keepalives_idle",
                "tcp_keepalives_interval",
                "tcp_keepalives_count",
            )
        }
        assert shown == {
            "lock_timeout": "500ms",
            "statement_timeout": "1500ms",
            "idle_in_transaction_session_timeout": "1s",
            "tcp_keepalives_idle": "6",
            "tcp_keepalives_interval": "2",
            "tcp_keepalives_count": "3",
        }
        client = connection.connection.driver_connection.info.get_parameters()  # type: ignore[union-attr]
        assert {k: client[k] for k in ("keepalives", "keepalives_idle", "tcp_user_timeout")} == {
            "keepalives": "1",
            "keepalives_idle": "6",
            "tcp_user_timeout": "12000",
        }
        assert client["connect_timeout"] == "4"


def test_what_the_url_sets_wins(database_url: str, backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("connection parameters are PostgreSQL's")
    url = f"{database_url}?options=-c%20lock_timeout%3D2s&keepalives_idle=99"
    engine = db.make_engine(url, LIMITS)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SHOW lock_timeout").scalar() == "2s"
        assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "1500ms"
        client = connection.connection.driver_connection.info.get_parameters()  # type: ignore[union-attr]
        assert client["keepalives_idle"] == "99"
    engine.dispose()


def test_a_write_behind_a_held_lock_fails_fast_and_says_why(engine: Engine) -> None:
    with engine.connect() as holder:
        advance(holder)  # holds the row (SQLite: the database) until it ends
        # Without the limit this would wait as long as the holder: it gives up, as a lock
        # wait (PostgreSQL's lock_timeout, SQLite's busy timeout), and says so.
        with pytest.raises(DBAPIError) as caught, engine.begin() as writer:
            advance(writer)
        holder.rollback()
    assert db.unavailable(caught.value) == (
        "Another transaction holds a lock this request needs; retry shortly."
    )
    with engine.begin() as writer:
        advance(writer)


def test_a_long_statement_is_cancelled(engine: Engine, backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite has no statement timeout; its statements are local")
    with pytest.raises(DBAPIError) as caught, engine.connect() as connection:
        connection.execute(text("SELECT pg_sleep(600)"))  # cancelled by statement_timeout
    assert db.unavailable(caught.value) == "The database did not answer in time; retry shortly."


def test_a_holder_gone_silent_in_its_transaction_frees_the_row(
    database_url: str, backend: str
) -> None:
    """A host lost while it holds the counter row: the server ends its session when the
    transaction has been idle too long, and the writer waiting behind it goes on."""
    if backend == "sqlite":
        pytest.skip("a SQLite lock goes with the process that holds it")
    waiting = db.make_engine(database_url, db.Limits(lock=10))
    lost = db.make_engine(database_url, LIMITS)
    with waiting.begin() as connection:
        connection.execute(text("CREATE TABLE counter (name TEXT PRIMARY KEY, value INTEGER)"))
        connection.execute(text("INSERT INTO counter VALUES ('event_seq', 0)"))
    holder = lost.connect()
    advance(holder)  # then nothing more: the host is gone
    done = threading.Event()

    def write() -> None:  # waits up to its own 10 s lock limit; the holder goes after 1 s
        with waiting.begin() as writer:
            advance(writer)
        done.set()

    thread = threading.Thread(target=write)
    thread.start()
    thread.join(timeout=30)
    assert done.is_set()  # the server ended the silent holder's session, not the lock limit
    with pytest.raises(DBAPIError) as caught:
        advance(holder)
    assert db.unavailable(caught.value) == "The database cannot be reached just now; retry shortly."
    holder.close()
    with waiting.connect() as connection:
        assert connection.execute(text("SELECT value FROM counter")).scalar() == 1
    waiting.dispose()
    lost.dispose()


def test_other_errors_are_not_the_database_being_unavailable(engine: Engine) -> None:
    with pytest.raises(DBAPIError) as caught, engine.begin() as connection:
        connection.execute(text("INSERT INTO counter VALUES ('event_seq', 1)"))
    assert db.unavailable(caught.value) is None
    assert db.unavailable(RuntimeError("boom")) is None
