"""Appending events to the log and signing checkpoints; callers commit.

A batch is written with a few multi-row inserts (leaves, tree nodes, tags) in
the caller's one transaction: all of it or none of it. The entries are the
outbox of ``ledger.entries.v1`` as well: their indices have no gaps, so the
relay only keeps its place.

Only the writer appends, and it reads the tree's edge and each source's position
before it writes: a row of the log already in place when it writes (the same
index, the same source and seq, the same event id, the same tag) is another
writer's append come in between, so the batch is rolled back to be read afresh
and tried again, never held against the events it carries.
"""

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import psycopg
from sqlalchemy import Column, Connection
from sqlalchemy import exc as sa_exc
from sqlmodel import Session

from ledger.log.fact import Fact
from ledger.log.last_signed import LastSigned
from ledger.log.models import SignedCheckpoint
from ledger.log.repository import NodeStore, latest_checkpoint, tree_size, trip_tags
from ledger.registry import LedgerModel
from periplus import merkle
from periplus.copy import copy_rows
from periplus.isolation import RetryLaterError, describe
from periplus.note import Checkpoint, Signer

ENTRY_COLUMNS = (
    "index",
    "event_id",
    "source",
    "seq",
    "type",
    "trip_id",
    "occurred_at",
    "leaf",
    "appended_at",
)
NODE_COLUMNS = ("level", "index", "hash")
ENTRY = LedgerModel.metadata.tables["entry"]
# SQLite's extended result codes for a primary key and a unique constraint broken.
SQLITE_UNIQUE = {1555, 2067}


class LogClashError(RetryLaterError):
    """A row the batch writes is in the log already: another writer appended meanwhile."""


def append(session: Session, facts: Sequence[Fact]) -> list[int]:
    """Append events as leaves, with their tree nodes and tags.

    The right edge of the tree is read afresh for every batch, so a rolled
    back batch leaves nothing behind in memory. Returns the new indices.
    """
    if not facts:
        return []
    size = tree_size(session)
    edge = merkle.range_nodes(0, size)
    found = NodeStore(session).get_nodes(edge)
    compact = merkle.CompactRange(size, [found[n] for n in edge])
    connection = session.connection()
    appended_at = _bound(connection, ENTRY.c.appended_at, datetime.now(UTC))
    nodes: list[tuple[int, int, bytes]] = []
    entries: list[tuple[Any, ...]] = []
    for item in facts:
        index = compact.size
        for (level, position), digest in compact.append(merkle.leaf_hash(item.leaf)):
            nodes.append((level, position, digest))
        entries.append(
            (
                index,
                item.id,
                item.source,
                item.seq,
                item.type,
                item.trip_id,
                item.occurred_at,
                item.leaf,
                appended_at,
            )
        )
    with _clashes():
        _insert_many(connection, "entry", ENTRY_COLUMNS, entries)
        _insert_many(connection, "node", NODE_COLUMNS, nodes)
        _tag(session, facts)
    return list(range(size, compact.size))


@contextmanager
def _clashes() -> Iterator[None]:
    """Raise LogClashError for a primary key or unique constraint broken: the log's own
    uniqueness, which the writer checked before it wrote (a NOT NULL or a value the database
    cannot store stays the record's fault)."""
    try:
        yield
    except (sqlite3.IntegrityError, psycopg.errors.UniqueViolation, sa_exc.IntegrityError) as exc:
        if not _unique(exc):
            raise
        raise LogClashError(
            f"another writer appended meanwhile; rolled back to try again: {describe(exc)}"
        ) from exc


def _unique(error: BaseException) -> bool:
    if isinstance(error, sa_exc.StatementError) and error.orig is not None:
        error = error.orig
    if isinstance(error, psycopg.errors.UniqueViolation):
        return True
    return isinstance(error, sqlite3.IntegrityError) and error.sqlite_errorcode in SQLITE_UNIQUE


def announcement(entry: Mapping[str, Any]) -> tuple[bytes, bytes]:
    """The ``ledger.entries.v1`` key and value of an entry row, keyed by trip."""
    index, leaf = entry["index"], bytes(entry["leaf"])
    if not leaf:  # withheld under law: the index alone
        return entry["trip_id"].encode(), b'{"index":%d,"withheld":true}' % index
    # The leaf is JSON already: the announcement embeds it rather than encode again.
    message = b'{"index":%d,"tree_size":%d,"event":%s}' % (index, index + 1, leaf)
    return entry["trip_id"].encode(), message


def _bound(connection: Connection, column: Column[Any], value: Any) -> Any:
    """``value`` as the driver takes it for ``column`` (on SQLite a datetime is text)."""
    process = column.type.dialect_impl(connection.dialect).bind_processor(connection.dialect)
    return value if process is None else process(value)


def _insert_many(
    connection: Connection, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]
) -> None:
    """Many rows in one round trip, past SQLAlchemy's per-row statement work: one COPY on
    PostgreSQL (an executemany there is one statement per row; binary, so the leaves go as
    they are, unless an integer would wrap its column), the driver's own executemany on
    SQLite. Values must already be as the driver takes them."""
    if connection.dialect.name == "postgresql":
        copy_rows(connection, table, columns, rows)
        return
    names = ", ".join(f'"{c}"' for c in columns)
    marks = ", ".join("?" for _ in columns)
    driver = connection.connection.driver_connection
    driver.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)  # type: ignore[union-attr]


def _tag(session: Session, facts: Sequence[Fact]) -> None:
    """Remember each trip's departments and SDG goals, so every entry of it can be found."""
    wanted = {(f.trip_id, kind, value) for f in facts for kind, value in f.tags}
    if not wanted:
        return
    new = sorted(wanted - trip_tags(session, list({t for t, _, _ in wanted})))
    if new:
        _insert_many(session.connection(), "trip_tag", ("trip_id", "kind", "value"), new)


def sign_checkpoint(
    session: Session, signer: Signer, last_signed: LastSigned | None = None
) -> SignedCheckpoint | None:
    """Sign the current tree if it grew since the last checkpoint (or none exists).

    With ``last_signed`` (every signing by the service and its commands), first
    check that the tree holds the newest checkpoint signed before, else raise
    RollbackError, and record the new one there before the caller commits it.
    """
    size = tree_size(session)
    if last_signed is not None:
        last_signed.check(session, size)
    latest = latest_checkpoint(session)
    if latest is not None and latest.size >= size:
        return None
    root = merkle.root(NodeStore(session), size)
    note = signer.sign(Checkpoint(signer.name, size, root).body())
    if last_signed is not None:
        last_signed.save(note)
    checkpoint = SignedCheckpoint(size=size, root=root, note=note, signed_at=datetime.now(UTC))
    session.add(checkpoint)
    return checkpoint
