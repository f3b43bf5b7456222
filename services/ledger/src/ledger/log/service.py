"""Appending events to the log and signing checkpoints; callers commit."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime

from periplus import merkle
from periplus.events import Envelope
from periplus.note import Checkpoint, Signer
from sqlmodel import Session

from ledger.log.store import NodeStore, latest_checkpoint, tree_size
from ledger.models import Announcement, Entry, Node, SignedCheckpoint


def append(session: Session, envelopes: Sequence[Envelope]) -> list[Entry]:
    """Append events as leaves, with their tree nodes and announcements.

    The right edge of the tree is read afresh for every batch, so a rolled
    back batch leaves nothing behind in memory.
    """
    if not envelopes:
        return []
    size = tree_size(session)
    store = NodeStore(session)
    edge = merkle.range_nodes(0, size)
    found = store.get_nodes(edge)
    compact = merkle.CompactRange(size, [found[n] for n in edge])
    now = datetime.now(UTC)
    entries: list[Entry] = []
    for envelope in envelopes:
        leaf = envelope.leaf()
        index = compact.size
        for (level, position), digest in compact.append(merkle.leaf_hash(leaf)):
            session.add(Node(level=level, index=position, hash=digest))
        entry = Entry(
            index=index,
            event_id=str(envelope.id),
            source=envelope.source,
            seq=envelope.seq,
            type=envelope.type,
            trip_id=str(envelope.trip_id),
            occurred_at=envelope.occurred_at,
            leaf=leaf,
            appended_at=now,
        )
        session.add(entry)
        announcement = {"index": index, "tree_size": index + 1, "event": envelope.to_json()}
        session.add(
            Announcement(
                seq=index, trip_id=entry.trip_id, payload=json.dumps(announcement).encode()
            )
        )
        entries.append(entry)
    return entries


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
