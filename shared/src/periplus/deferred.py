"""Writes a transaction does not read back, sent together in one statement on PostgreSQL.

On PostgreSQL each statement is a round trip, and the client pays for it in CPU
far more than the server does: SQLAlchemy and psycopg spend about 150 µs a
statement, more for a wide row. Many writes of a request have no result the
request uses: a history row, an outbox row, a stored answer, the changed columns
of a row it holds locked. Such a write waits in a queue of its connection, and
the queue is sent as one statement (all but the last as data-modifying ``WITH``
parts) just before the transaction's next statement, or its commit: so a read
always sees the writes before it, and a commit commits all of them or none. A
rollback drops the queue, and so does a rollback to a savepoint (the queue is
sent before a savepoint is taken).

The parts of one statement see one snapshot, so two writes of one row must not
share one: an update of a table the queue already writes sends the queue first.
A statement that neither reads nor writes what may be queued (a counter's
increment) can skip the queue with ``UNRELATED``.

On SQLite a statement costs no round trip, and no write waits.
"""

import weakref
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from sqlalchemy import Connection, Engine, Insert, Table, Update, and_, bindparam, event

UNRELATED = {"periplus_deferred_unrelated": True}
"""Execution options of a statement that need not wait for the queue to be sent first."""

_Shape = tuple[str, Table, tuple[str, ...], tuple[str, ...]]  # kind, table, columns, key columns
_Write = tuple[_Shape, Mapping[str, Any], Mapping[str, Any]]  # shape, values, key
_QUEUES: "weakref.WeakKeyDictionary[Connection, list[_Write]]" = weakref.WeakKeyDictionary()
_ENGINES: "weakref.WeakSet[Engine]" = weakref.WeakSet()


def install(engine: Engine) -> None:
    """Let connections of a PostgreSQL ``engine`` queue writes (``periplus.db`` does this)."""
    if engine.dialect.name != "postgresql" or engine in _ENGINES:
        return
    event.listen(engine, "before_execute", _before_execute)
    event.listen(engine, "commit", _before_commit)
    event.listen(engine, "savepoint", lambda connection, _name: send(connection))
    event.listen(engine, "rollback", _drop)
    event.listen(engine, "rollback_savepoint", lambda connection, _name, _ctx: _drop(connection))
    _ENGINES.add(engine)


def insert(connection: Connection, table: Table, values: Mapping[str, Any]) -> None:
    """Insert a row, now or with the connection's next statement."""
    _add(connection, (("insert", table, tuple(values), ()), values, {}))


def update(
    connection: Connection, table: Table, key: Mapping[str, Any], values: Mapping[str, Any]
) -> None:
    """Set ``values`` in the row whose columns hold ``key``, now or with the next statement."""
    shape = ("update", table, tuple(values), tuple(key))
    queue = _QUEUES.get(connection)
    if queue and any(queued[1] is table for queued, _, _ in queue):
        send(connection)
    _add(connection, (shape, values, key))


def send(connection: Connection) -> None:
    """Send what the connection's transaction has queued, in one statement."""
    queue = _QUEUES.pop(connection, None)
    if not queue:
        return
    connection.execute(_statement(tuple(w[0] for w in queue)), _params(queue))


def _params(writes: list[_Write]) -> dict[str, Any]:
    params: dict[str, Any] = {}
    for i, (_, values, key) in enumerate(writes):
        params.update((f"w{i}_{name}", value) for name, value in values.items())
        params.update((f"w{i}k_{name}", value) for name, value in key.items())
    return params


def _add(connection: Connection, write: _Write) -> None:
    if connection.engine not in _ENGINES:
        connection.execute(_statement((write[0],)), _params([write]))
        return
    queue = _QUEUES.get(connection)
    if queue is None:
        if not connection.in_transaction():
            connection.begin()  # as a statement would: the commit, or the rollback, is its
        _QUEUES[connection] = [write]
    else:
        queue.append(write)


def _before_execute(connection: Connection, *args: Any) -> None:
    if connection in _QUEUES and not args[-1].get("periplus_deferred_unrelated"):
        send(connection)


def _before_commit(connection: Connection) -> None:
    try:
        send(connection)
    except Exception:
        # The commit fails with the queue: the transaction is rolled back here, as SQLAlchemy
        # rolls back none whose commit it began, and the connection goes back clean.
        driver = connection.connection.driver_connection
        if driver is not None:
            driver.rollback()
        raise


def _drop(connection: Connection) -> None:
    _QUEUES.pop(connection, None)


@lru_cache(maxsize=256)
def _statement(shapes: tuple[_Shape, ...]) -> Insert | Update:
    """One statement for writes of these shapes, built once per combination so that
    SQLAlchemy's cache of compiled statements holds it; part i's parameters are named
    ``w<i>_<column>`` (``w<i>k_<column>`` for an update's key)."""
    *early, last = (_one(shape, f"w{i}") for i, shape in enumerate(shapes))
    if not early:
        return last
    return last.add_cte(*(part.cte(f"w{i}") for i, part in enumerate(early)))


def _one(shape: _Shape, prefix: str) -> Insert | Update:
    kind, table, names, key = shape
    values = {name: bindparam(f"{prefix}_{name}", type_=table.c[name].type) for name in names}
    if kind == "insert":
        return table.insert().values(values)
    where = [table.c[name] == bindparam(f"{prefix}k_{name}") for name in key]
    return table.update().where(and_(*where)).values(values)
