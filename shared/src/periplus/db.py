"""Database engines and migrations, the same for SQLite and PostgreSQL."""

import sqlite3
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the pragmas that make SQLite safe for several threads."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg").render_as_string(False))
    return create_engine(url, pool_pre_ping=True, **kwargs)


def _sqlite_pragmas(dbapi_connection: sqlite3.Connection, _record: object) -> None:
    dbapi_connection.isolation_level = None  # SQLAlchemy's "begin" event issues BEGIN
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Take the write lock at BEGIN: a deferred transaction that later writes can
    # fail with "database is locked" instead of waiting its turn. A connection
    # marked read_only (see ``reading``) only reads, so it need not queue.
    read_only = connection.get_execution_options().get("read_only", False)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


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
    config = Config()
    config.set_main_option("script_location", str(script_location))
    config.attributes["connection"] = connection
    return config


def ping(engine: Engine) -> None:
    """Raise if the database cannot answer a trivial query."""
    with engine.connect() as connection:
        connection.execute(text("SELECT 1"))
