"""Inserts in one statement on either database: of many rows at once, and of rows whose key
may be taken already (skipped, or updated)."""

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from operator import itemgetter
from typing import Any

import orjson
from sqlalchemy import JSON, Column, Connection, Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlmodel import Session

from periplus.copy import copy_rows
from periplus.db import table

SQLITE_ROWS = 500  # rows in one statement
SQLITE_VARIABLES = 32766  # the most parameters SQLite takes in one statement since 3.32
POSTGRES_ROWS = 1000
POSTGRES_VARIABLES = 65535  # the most parameters of one statement in PostgreSQL's protocol


def insert_new(session: Session, model: Any) -> PostgresInsert | SqliteInsert:
    """``INSERT ... ON CONFLICT DO NOTHING`` for ``model``: a redelivered row is no error."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()


def upsert_many(
    session: Session, model: Any, keys: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` of every other column, for many rows (all
    with the same keys) in one round trip through the driver: a batch's new and changed
    rows alike, past SQLAlchemy's work per row. The caller commits."""
    if not rows:
        return
    names = list(rows[0])
    into, connection, values = _prepared(session, model, names, _values(names, rows))
    listed = ", ".join(f'"{name}"' for name in names)
    key_list = ", ".join(f'"{key}"' for key in keys)
    updates = ", ".join(f'"{n}" = excluded."{n}"' for n in names if n not in keys)
    head = f'INSERT INTO "{into.name}" ({listed}) VALUES '
    tail = f" ON CONFLICT ({key_list}) DO UPDATE SET {updates}"
    driver: Any = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        # One statement may update a row once: of rows with one key, the last is written,
        # as a statement a row would leave it.
        at = [names.index(key) for key in keys]
        last = {tuple(value[i] for i in at): value for value in values}
        _postgres_rows(driver, head, list(last.values()), tail)
        return
    _sqlite_rows(driver, head, values, tail)


def insert_many(session: Session, model: Any, rows: Sequence[Mapping[str, Any]]) -> None:
    """Many rows (all with the same keys) in one round trip: ``insert_values`` of them."""
    if rows:
        names = list(rows[0])
        insert_values(session, model, names, list(_values(names, rows)))


def insert_values(
    session: Session, model: Any, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Many rows, each the values of the columns ``names`` in that order, in one round trip,
    past SQLAlchemy's work per row: ``copy_rows`` on PostgreSQL (binary where it is safe),
    multi-row ``VALUES`` on SQLite. A writer of many rows makes tuples rather than a dict a
    row. The caller commits."""
    if not rows:
        return
    into, connection, values = _prepared(session, model, names, rows)
    if connection.dialect.name == "postgresql":
        copy_rows(connection, into.name, names, values)
        return
    listed = ", ".join(f'"{name}"' for name in names)
    driver: Any = connection.connection.driver_connection
    _sqlite_rows(driver, f'INSERT INTO "{into.name}" ({listed}) VALUES ', values)


def _sqlite_rows(driver: Any, head: str, values: Sequence[tuple[Any, ...]], tail: str = "") -> None:
    """Rows in multi-row ``VALUES`` statements of up to ``SQLITE_ROWS`` rows: the driver lets
    go of the interpreter once a statement rather than once a row, and a thread that takes
    it meanwhile (the next batch parsed ahead) holds this one back once, not at every row."""
    width = len(values[0])
    row = "(" + ", ".join("?" for _ in range(width)) + ")"
    most = max(1, min(SQLITE_ROWS, SQLITE_VARIABLES // width))
    for start in range(0, len(values), most):
        chunk = values[start : start + most]
        marks = ", ".join(row for _ in chunk)
        driver.execute(f"{head}{marks}{tail}", [value for each in chunk for value in each])


def _postgres_rows(
    driver: Any, head: str, values: Sequence[tuple[Any, ...]], tail: str = ""
) -> None:
    """Rows in multi-row ``VALUES`` statements of up to ``POSTGRES_ROWS`` rows: the server
    plans and runs one statement for them all, where a statement a row (even pipelined)
    costs it an execution each, about a third of a catch-up's time on PostgreSQL."""
    width = len(values[0])
    row = "(" + ", ".join("%s" for _ in range(width)) + ")"
    most = max(1, min(POSTGRES_ROWS, POSTGRES_VARIABLES // width))
    with driver.cursor() as cursor:
        for start in range(0, len(values), most):
            chunk = values[start : start + most]
            marks = ", ".join(row for _ in chunk)
            cursor.execute(f"{head}{marks}{tail}", [v for each in chunk for v in each])


def _values(names: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> Iterator[tuple[Any, ...]]:
    """Each row's values of the columns ``names``, in that order."""
    if len(names) == 1:
        return ((row[names[0]],) for row in rows)
    return map(itemgetter(*names), rows)


def _prepared(
    session: Session, model: Any, names: Sequence[str], rows: Iterable[tuple[Any, ...]]
) -> tuple[Table, Connection, list[tuple[Any, ...]]]:
    """The table, the connection and each row's values as the driver takes them."""
    into = table(model)
    connection = session.connection()
    # Only the columns whose values the driver cannot take as they are cost a call a value.
    binds = [
        (at, bind)
        for at, name in enumerate(names)
        if (bind := _binder(connection, into.c[name])) is not None
    ]
    if not binds:
        return into, connection, list(rows)
    values: list[tuple[Any, ...]] = []
    for row in rows:
        value = list(row)
        for at, bind in binds:
            value[at] = bind(value[at])
        values.append(tuple(value))
    return into, connection, values


def _binder(connection: Connection, column: Column[Any]) -> Callable[[Any], Any] | None:
    """The value as the driver takes it for ``column`` (None: as it is); JSON through orjson,
    and a value repeated from the row before (a batch's one timestamp) bound once."""
    if isinstance(column.type, JSON):
        return _json
    process = column.type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    if process is None:
        return None
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
