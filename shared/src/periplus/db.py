"""Database engines and migrations, the same for SQLite and PostgreSQL.

No connection waits forever. A statement waits a bounded time for a lock and
runs a bounded time; PostgreSQL ends a session left idle inside a transaction,
and both ends probe a silent peer with TCP keepalives, so a host lost while it
holds a row lock frees it in seconds rather than when the kernel gives up
(hours). SQLite syncs its log on every commit (``synchronous=FULL``): each
service's commits are promises to others (relayed events, signed checkpoints,
a witness's cosigned size, a subscription whose secret was shown once), and
``NORMAL`` lets a power loss take back commits that were already acted on.
"""

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    BigInteger,
    Connection,
    Engine,
    Integer,
    Table,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, OperationalError

from periplus import deferred

BIG_INTEGER = BigInteger().with_variant(Integer(), "sqlite")
"""A column of log indexes, sizes, seqs or offsets: 64 bits on PostgreSQL, where
``integer`` stops at 2^31; SQLite's ``INTEGER`` holds 64 bits already, and stays the
rowid where it is the primary key (what the migrations make, so models and migrations
agree on both databases)."""


SQLITE_CACHE_KIB = 64 * 1024
"""Each SQLite connection's page cache: SQLite's 2 MiB default stops holding a log's
indexes at about 10^5 entries, and a notifier catching up then spends a tenth of its CPU
re-reading B-tree pages; the cache grows only as pages are read, so a small database
costs what it holds."""


@dataclass(frozen=True)
class Limits:
    """How long a connection waits before it gives up, in seconds."""

    lock: float = 10.0
    """A statement's wait for a lock (PostgreSQL ``lock_timeout``, SQLite ``busy_timeout``)."""
    statement: float = 60.0
    """A statement's run (PostgreSQL ``statement_timeout``); migrations are not bound by it."""
    idle_in_transaction: float = 60.0
    """PostgreSQL ends a session idle this long inside a transaction, and frees its locks."""
    dead_peer: float = 30.0
    """Silence after which either end drops a PostgreSQL connection (keepalives)."""
    connect: float = 10.0
    """Opening a PostgreSQL connection."""

    def libpq(self) -> dict[str, Any]:
        """Client-side parameters: keepalive probes, and a cap on unacknowledged data."""
        idle, interval, count = _keepalive(self.dead_peer)
        return {
            "connect_timeout": max(2, round(self.connect)),
            "keepalives": 1,
            "keepalives_idle": idle,
            "keepalives_interval": interval,
            "keepalives_count": count,
            "tcp_user_timeout": round(self.dead_peer * 1000),
        }

    def server(self) -> dict[str, str]:
        """Server-side settings of every session; the server probes the client too."""
        idle, interval, count = _keepalive(self.dead_peer)
        return {
            "lock_timeout": f"{round(self.lock * 1000)}ms",
            "statement_timeout": f"{round(self.statement * 1000)}ms",
            "idle_in_transaction_session_timeout": f"{round(self.idle_in_transaction * 1000)}ms",
            "tcp_keepalives_idle": str(idle),
            "tcp_keepalives_interval": str(interval),
            "tcp_keepalives_count": str(count),
        }


def _keepalive(dead_peer: float) -> tuple[int, int, int]:
    """Idle time, interval and count of probes whose sum is about ``dead_peer`` seconds."""
    idle = max(1, round(dead_peer / 2))
    count = 3
    return idle, max(1, round((dead_peer - idle) / count)), count


def make_engine(
    url: str, limits: Limits | None = None, *, ping_idle: float = 0.0, **kwargs: Any
) -> Engine:
    """The engine of a service's database, with the limits above; parameters the URL
    sets itself (``?keepalives_idle=...``, ``?options=-c ...``) win over ``limits``.

    A pooled PostgreSQL connection is tried with a trivial query before use, and replaced
    if the server has dropped it (a restart, a failover), once it has sat unused for more
    than ``ping_idle`` seconds; 0 tries it every time, a round trip per transaction. One
    dropped while in steady use fails its statement instead, which ``unavailable`` calls a
    503 to retry, and the pool then replaces every connection it had.
    """
    limits = limits or Limits()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        busy_ms = round(limits.lock * 1000)
        event.listen(engine, "connect", lambda c, _r: _sqlite_pragmas(c, busy_ms))
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    connect_args = {k: v for k, v in limits.libpq().items() if k not in parsed.query}
    server = " ".join(f"-c {name}={value}" for name, value in limits.server().items())
    given = parsed.query.get("options")
    connect_args["options"] = f"{server} {given}" if isinstance(given, str) else server
    if ping_idle <= 0:
        engine = create_engine(parsed, pool_pre_ping=True, connect_args=connect_args, **kwargs)
    else:
        engine = create_engine(parsed, connect_args=connect_args, **kwargs)
        event.listen(engine, "checkin", _note_checkin)
        event.listen(engine, "checkout", lambda c, r, _p: _ping_if_idle(engine, c, r, ping_idle))
    deferred.install(engine)
    return engine


_CHECKED_IN = "periplus.checked_in"


def _note_checkin(_dbapi_connection: Any, record: Any) -> None:
    # ``info`` goes with the DBAPI connection: a fresh one has no entry, and is not tried.
    record.info[_CHECKED_IN] = time.monotonic()


def _ping_if_idle(engine: Engine, dbapi_connection: Any, record: Any, ping_idle: float) -> None:
    idle_since = record.info.get(_CHECKED_IN)
    if idle_since is None or time.monotonic() - idle_since <= ping_idle:
        return
    try:
        engine.dialect.do_ping(dbapi_connection)
    except engine.dialect.loaded_dbapi.Error as exc:
        # The pool discards this connection and checks out another (a fresh one if need be).
        raise DisconnectionError(f"a pooled connection was dropped: {exc}") from exc


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, busy_ms: int) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute(f"PRAGMA cache_size=-{SQLITE_CACHE_KIB}")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock at BEGIN: a deferred transaction that later writes can
    # fail with "database is locked" instead of waiting its turn. A connection
    # marked read_only (see ``reading``) only reads, so it need not queue.
    read_only = connection.get_execution_options().get("read_only", False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


_LOCK_WAIT = "Another transaction holds a lock this request needs; retry shortly."
_TOO_LONG = "The database did not answer in time; retry shortly."
_LOST = "The database cannot be reached just now; retry shortly."
_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_ENDED = {"57P01", "57P02", "57P03", "25P03"}


def unavailable(exc: BaseException) -> str | None:
    """Why a statement failed for want of the database (a lock wait or a statement that
    ran out of time, a connection lost or refused), in words fit for a client; None for
    every other error, which is a fault of ours."""
    if not isinstance(exc, DBAPIError):
        return None
    if exc.connection_invalidated:
        return _LOST
    cause = exc.orig
    if isinstance(cause, sqlite3.OperationalError):
        busy = (cause.sqlite_errorcode & 0xFF) in (_SQLITE_BUSY, _SQLITE_LOCKED)
        return _LOCK_WAIT if busy else None
    state: str | None = getattr(cause, "sqlstate", None)
    if state == "55P03":  # lock_not_available: lock_timeout ran out
        return _LOCK_WAIT
    if state == "57014":  # query_canceled: statement_timeout ran out
        return _TOO_LONG
    # A connection exception, a session the server ended (shut down, terminated, idle
    # in a transaction too long), or a connection that failed before any SQLSTATE.
    if state is not None and (state.startswith("08") or state in _ENDED):
        return _LOST
    return _LOST if state is None and isinstance(exc, OperationalError) else None


def table(model: Any) -> Table:
    """A mapped model's table, for Core statements that skip the ORM's work per row (SQLModel
    does not tell a type checker that a model has one)."""
    return cast(Table, model.__table__)


def reading(engine: Engine) -> Connection:
    """A connection for reads alone: on SQLite it does not wait for the writers."""
    return engine.connect().execution_options(read_only=True)


def upgrade(engine: Engine, script_location: Path, revision: str = "head") -> None:
    """Bring the database to the newest migration of the service that owns it."""
    with engine.begin() as connection:
        command.upgrade(_alembic(connection, script_location), revision)


def downgrade(engine: Engine, script_location: Path, revision: str) -> None:
    """Take the database back to an earlier migration (operators rolling back a release)."""
    with engine.begin() as connection:
        command.downgrade(_alembic(connection, script_location), revision)


def _alembic(connection: Connection, script_location: Path) -> Config:
    if connection.dialect.name == "postgresql":
        # A migration may rewrite a large table: it runs as long as it needs. It keeps
        # the lock timeout, so it never queues (and every query behind it) for long.
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = connection
    return config


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
