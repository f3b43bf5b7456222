"""Appending events to the log and signing checkpoints; callers commit.

A batch is written with a few multi-row inserts (leaves, tree nodes, tags,
announcements) in the caller's one transaction: all of it or none of it.
"""

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert
from sqlmodel import Session, col, select

from ledger.log.encoding import canonical
from ledger.log.store import NodeStore, latest_checkpoint, tree_size
from ledger.models import LedgerModel, SignedCheckpoint, TripTag
from periplus import merkle
from periplus.events import Envelope
from periplus.note import Checkpoint, Signer


def append(session: Session, envelopes: Sequence[Envelope]) -> list[int]:
    """Append events as leaves, with their tree nodes, tags and announcements.

    The right edge of the tree is read afresh for every batch, so a rolled
    back batch leaves nothing behind in memory. Returns the new indices.
    """
    if not envelopes:
        return []
    size = tree_size(session)
    edge = merkle.range_nodes(0, size)
    found = NodeStore(session).get_nodes(edge)
    compact = merkle.CompactRange(size, [found[n] for n in edge])
    now = datetime.now(UTC)
    nodes: list[dict[str, Any]] = []
    entries: list[dict[str, Any]] = []
    announcements: list[dict[str, Any]] = []
    for envelope in envelopes:
        event = envelope.to_json()
        leaf = canonical(event)
        index = compact.size
        for (level, position), digest in compact.append(merkle.leaf_hash(leaf)):
            nodes.append({"level": level, "index": position, "hash": digest})
        entries.append(
            {
                "index": index,
                "event_id": event["id"],
                "source": envelope.source,
                "seq": envelope.seq,
                "type": envelope.type,
                "trip_id": event["trip_id"],
                "occurred_at": envelope.occurred_at,
                "leaf": leaf,
                "appended_at": now,
            }
        )
        # The leaf is JSON already: the announcement embeds it rather than encode again.
        message = b'{"index":%d,"tree_size":%d,"event":%s}' % (index, index + 1, leaf)
        announcements.append(
            {
                "seq": index,
                "trip_id": event["trip_id"],
                "payload": message,
                "published": False,
            }
        )
    connection = session.connection()
    for table, rows in (("entry", entries), ("node", nodes), ("announcement", announcements)):
        _insert_many(connection, table, rows)
    _tag(session, envelopes)
    return [e["index"] for e in entries]


def _insert_many(connection: Connection, table: str, rows: list[dict[str, Any]]) -> None:
    """Many rows in one round trip, past SQLAlchemy's per-row statement work: COPY on
    PostgreSQL (an executemany there is one statement per row), the driver's own
    executemany on SQLite, with each column's values converted as SQLAlchemy would."""
    columns = list(rows[0])
    names = ", ".join(f'"{c}"' for c in columns)
    driver = connection.connection.driver_connection
    if connection.dialect.name == "postgresql":
        cursor = driver.cursor()  # type: ignore[union-attr]
        with cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row([row[c] for c in columns])
        return
    schema = LedgerModel.metadata.tables[table]
    dialect = connection.dialect
    convert = [schema.c[c].type.dialect_impl(dialect).bind_processor(dialect) for c in columns]
    values = [
        tuple(row[c] if f is None else f(row[c]) for c, f in zip(columns, convert, strict=True))
        for row in rows
    ]
    marks = ", ".join("?" for _ in columns)
    driver.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", values)  # type: ignore[union-attr]


def _tag(session: Session, envelopes: Sequence[Envelope]) -> None:
    """Remember each trip's departments and SDG goals, so every entry of it can be found."""
    wanted: set[tuple[str, str, str]] = set()
    for envelope in envelopes:
        trip = envelope.data.get("trip")
        if not isinstance(trip, dict):
            continue
        trip_id = str(envelope.trip_id)
        departments = [trip.get("lead_department"), *(trip.get("departments") or [])]
        for department in departments:
            if isinstance(department, str) and department:
                wanted.add((trip_id, "department", department[:200]))
        for goal in trip.get("sdg_goals") or []:
            if isinstance(goal, int):
                wanted.add((trip_id, "sdg", str(goal)))
    if not wanted:
        return
    trips = {t for t, _, _ in wanted}
    existing = session.exec(select(TripTag).where(col(TripTag.trip_id).in_(trips))).all()
    new = wanted - {(t.trip_id, t.kind, t.value) for t in existing}
    if new:
        session.execute(
            insert(TripTag), [{"trip_id": t, "kind": k, "value": v} for t, k, v in sorted(new)]
        )


def sign_checkpoint(session: Session, signer: Signer) -> SignedCheckpoint | None:
    """Sign the current tree if it grew since the last checkpoint (or none exists)."""
    size = tree_size(session)
    latest = latest_checkpoint(session)
    if latest is not None and latest.size >= size:
        return None
    root = merkle.root(NodeStore(session), size)
    body = Checkpoint(signer.name, size, root).body()
    checkpoint = SignedCheckpoint(
        size=size, root=root, note=signer.sign(body), signed_at=datetime.now(UTC)
    )
    session.add(checkpoint)
    return checkpoint
