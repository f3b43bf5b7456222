"""Inserts in one statement on either database: of many rows at once, and of rows whose key
may be taken already (skipped, or updated)."""

import json
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

import orjson
from sqlalchemy import JSON, Column, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlmodel import Session


def insert_new(session: Session, model: Any) -> PostgresInsert | SqliteInsert:
    """``INSERT ... ON CONFLICT DO NOTHING`` for ``model``: a redelivered row is no error."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()


def upsert(
    session: Session, model: Any, keys: Sequence[str], columns: Sequence[str]
) -> PostgresInsert | SqliteInsert:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` of ``columns``: one statement, executed
    with many rows, writes a batch's new and changed rows alike."""
    insert = (
        postgresql.insert(table(model))
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(table(model))
    )
    return insert.on_conflict_do_update(
        index_elements=list(keys), set_={c: insert.excluded[c] for c in columns}
    )


def table(model: Any) -> Table:
    """A model's table, for Core statements that skip the ORM's work per row."""
    return cast(Table, model.__table__)


def insert_many(session: Session, model: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many rows (all with the same keys) in one round trip, past SQLAlchemy's work per
    row: COPY on PostgreSQL, the driver's own executemany on SQLite. The caller commits."""
    if not rows:
        return
    into = table(model)
    connection = session.connection()
    names = list(rows[0])
    binds = [_binder(connection, into.c[name]) for name in names]
    values = [
        tuple(bind(row[name]) for name, bind in zip(names, binds, strict=True)) for row in rows
    ]
    listed = ", ".join(f'"{name}"' for name in names)
    driver: Any = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        with (
            driver.cursor() as cursor,
            cursor.copy(f'COPY "{into.name}" ({listed}) FROM STDIN') as copy,
        ):
            for value in values:
                copy.write_row(value)
        return
    marks = ", ".join("?" for _ in names)
    driver.executemany(f'INSERT INTO "{into.name}" ({listed}) VALUES ({marks})', values)


def _binder(connection: Connection, column: Column[Any]) -> Callable[[Any], Any]:
    """The value as the driver takes it for ``column``; JSON through orjson, and a value
    repeated from the row before (a batch's one timestamp) bound once."""
    if isinstance(column.type, JSON):
        return _json
    process = column.type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    if process is None:
        return lambda value: value
    last: list[Any] = [object(), None]

    def bind(value: Any) -> Any:
        if value is not last[0]:
            last[0], last[1] = value, process(value)
        return last[1]

    return bind


def _json(value: Any) -> str | None:
    if value is None:
        return None
    try:
        return orjson.dumps(value).decode()
    except TypeError:  # what orjson does not take (an integer past 64 bits): the slow way
        return json.dumps(value)
