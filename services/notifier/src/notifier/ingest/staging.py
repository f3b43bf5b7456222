"""Announcements are hints: each waits here until a checkpoint commits to its index.

Anyone who can produce to the entries topic can announce anything, so an
announcement is never shown from here. It only spares the notifier a read of
the ledger when its bytes turn out to be those the signed tree holds.
"""

import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, delete, exists, select
from sqlmodel import Session, col

from notifier.ingest import quarantine
from notifier.ingest.models import StagedEntry
from notifier.ingest.rows import insert_new
from periplus.canonical import canonical_bytes
from periplus.kafka import Record
from periplus.merkle import leaf_hash

MAX_INDEX = 2**53


@dataclass(frozen=True)
class Announced:
    """An entry as an announcement gives it: claimed, not yet verified."""

    index: int
    leaf: bytes
    leaf_hash: bytes
    origin: str


@dataclass(frozen=True)
class Unreadable:
    origin: str
    raw: bytes
    reason: str


Read = Announced | Unreadable | None
"""None: an announcement that carries no bytes (an entry withheld under law)."""


def read(records: list[Record]) -> list[Read]:
    """Parse and hash a batch of announcements, outside the transaction."""
    return [_read(f"{r.topic}/{r.partition}/{r.offset}", r.value) for r in records]


def _read(origin: str, raw: bytes) -> Read:
    try:
        message: Any = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return Unreadable(origin, raw, f"not JSON: {exc}")
    if not isinstance(message, dict):
        return Unreadable(origin, raw, "an announcement is a JSON object")
    index = message.get("index")
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index <= MAX_INDEX:
        return Unreadable(origin, raw, "an announcement names its index, from 0 to 2^53")
    if message.get("withheld") is True and "event" not in message:
        return None  # the ledger serves its leaf hash; the gap is read from there
    event = message.get("event")
    if not isinstance(event, dict):
        return Unreadable(origin, raw, "an announcement carries its event as a JSON object")
    try:
        # The ledger's leaf is the RFC 8785 form of the event, so this is its bytes.
        leaf = canonical_bytes(event)
    except (ValueError, RecursionError) as exc:
        return Unreadable(origin, raw, f"the event has no RFC 8785 form: {exc}")
    return Announced(index, leaf, leaf_hash(leaf), origin)


def stage(session: Session, items: list[Read], verified_size: int) -> None:
    """Keep what was announced past the verified tree; list what cannot be read."""
    rows = []
    now = datetime.now(UTC)
    for item in items:
        if isinstance(item, Unreadable):
            quarantine.entry(session, "announcement", item.reason, item.raw, item.origin)
        elif item is not None and item.index >= verified_size:
            rows.append(
                {
                    "index": item.index,
                    "leaf_hash": item.leaf_hash,
                    "leaf": item.leaf,
                    "origin": item.origin[:200],
                    "received_at": now,
                }
            )
    if rows:
        # In key order: two notifiers staging the same announcements never wait on each other
        # in opposite orders.
        rows.sort(key=lambda row: (row["index"], row["leaf_hash"]))
        session.execute(insert_new(session, StagedEntry), rows)


def waiting(connection: Connection, verified_size: int) -> bool:
    """Whether some announced entry lies past the verified tree."""
    query = select(exists().where(col(StagedEntry.index) >= verified_size))
    return bool(connection.execute(query).scalar())


def between(connection: Connection, start: int, end: int, most: int) -> dict[int, list[Announced]]:
    """The candidates announced for each index in ``[start, end)``, first received first.

    At most ``most`` rows: a flood of forgeries for one index costs a read of
    the ledger, not the notifier's memory.
    """
    rows = connection.execute(
        select(
            col(StagedEntry.index),
            col(StagedEntry.leaf),
            col(StagedEntry.leaf_hash),
            col(StagedEntry.origin),
        )
        .where(col(StagedEntry.index) >= start, col(StagedEntry.index) < end)
        .order_by(col(StagedEntry.index), col(StagedEntry.received_at))
        .limit(most)
    ).all()
    found: dict[int, list[Announced]] = defaultdict(list)
    for index, leaf, digest, origin in rows:
        found[index].append(Announced(index, bytes(leaf), bytes(digest), origin))
    return found


def discard(session: Session, below: int) -> None:
    """Drop what the verified tree has passed: it is shown, or quarantined, already."""
    session.execute(delete(StagedEntry).where(col(StagedEntry.index) < below))
