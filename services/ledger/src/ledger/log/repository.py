"""Reading the stored log: entries, the tree's nodes, checkpoints, withholdings, rotations."""

import json
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence

from sqlalchemy import Executable, and_, func, or_, text
from sqlmodel import Session, col, select

from ledger.log.models import Entry, KeyRotation, Node, SignedCheckpoint, Withholding
from periplus.merkle import Node as NodeId


class NodeStore:
    """A ``merkle.NodeSource`` over the ``node`` table: one query per proof."""

    def __init__(self, session: Session) -> None:
        self.session = session

    def get_nodes(self, nodes: Iterable[NodeId]) -> Mapping[NodeId, bytes]:
        wanted = list(nodes)
        if not wanted:
            return {}
        by_level: dict[int, list[int]] = defaultdict(list)
        for level, index in wanted:
            by_level[level].append(index)
        # One equality-and-IN term per level: both databases answer it from the
        # primary key, where a row-value IN can fall back to a scan on SQLite.
        rows = self.session.exec(
            select(Node).where(
                or_(
                    *(
                        and_(col(Node.level) == level, col(Node.index).in_(indices))
                        for level, indices in by_level.items()
                    )
                )
            )
        ).all()
        found = {(row.level, row.index): row.hash for row in rows}
        missing = set(wanted) - found.keys()
        if missing:
            raise LookupError(f"the tree lacks nodes {sorted(missing)[:5]}")
        return found


def tree_size(session: Session) -> int:
    last = session.exec(select(func.max(Entry.index))).one()
    return 0 if last is None else int(last) + 1


def latest_checkpoint(session: Session) -> SignedCheckpoint | None:
    return session.exec(
        select(SignedCheckpoint).order_by(col(SignedCheckpoint.size).desc()).limit(1)
    ).first()


def checkpoints_after(session: Session, after: int, limit: int) -> Sequence[SignedCheckpoint]:
    return session.exec(
        select(SignedCheckpoint)
        .where(col(SignedCheckpoint.size) > after)
        .order_by(col(SignedCheckpoint.size))
        .limit(limit)
    ).all()


# An entry as the API reads it: its index and its leaf bytes. Plain tuples, not ORM
# objects: pages of a thousand entries are read for every catch-up and every audit.
Leaf = tuple[int, bytes]
LEAF = (col(Entry.index), col(Entry.leaf))


def leaves(query: Executable, session: Session) -> list[Leaf]:
    return [(index, leaf) for index, leaf in session.execute(query)]


def entries_between(session: Session, start: int, end: int) -> list[Leaf]:
    """The entries from ``start`` (inclusive) to ``end`` (exclusive), in order."""
    return leaves(
        select(*LEAF)
        .where(col(Entry.index) >= start, col(Entry.index) < end)
        .order_by(col(Entry.index)),
        session,
    )


def leaf_hashes(session: Session, indices: Sequence[int]) -> dict[int, bytes]:
    """The leaf hashes the tree keeps for ``indices`` (level 0 of the node table)."""
    if not indices:
        return {}
    rows = session.execute(
        select(col(Node.index), col(Node.hash)).where(
            col(Node.level) == 0, col(Node.index).in_(indices)
        )
    )
    found = {index: digest for index, digest in rows}
    if len(found) != len(set(indices)):
        raise LookupError(f"the tree lacks leaves {sorted(set(indices) - found.keys())[:5]}")
    return found


def trip_tags(session: Session, trips: list[str]) -> set[tuple[str, str, str]]:
    """The tags the log holds of these trips, in one query with one parameter (an IN of a
    thousand trips costs more to build than to answer)."""
    if not trips:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        query = text("SELECT trip_id, kind, value FROM trip_tag WHERE trip_id = ANY(:trips)")
        rows = session.execute(query, {"trips": trips})
    else:
        query = text(
            "SELECT trip_id, kind, value FROM trip_tag"
            " WHERE trip_id IN (SELECT value FROM json_each(:trips))"
        )
        rows = session.execute(query, {"trips": json.dumps(trips)})
    return {(trip, kind, value) for trip, kind, value in rows}


def withholdings(session: Session, indices: Iterable[int]) -> dict[int, Withholding]:
    """The withholdings among ``indices``, by index."""
    rows = session.exec(select(Withholding).where(col(Withholding.index).in_(list(indices))))
    return {row.index: row for row in rows.all()}


def rotations(session: Session) -> Sequence[KeyRotation]:
    return session.exec(select(KeyRotation).order_by(col(KeyRotation.id))).all()


def checkpoint(session: Session, size: int) -> SignedCheckpoint | None:
    return session.get(SignedCheckpoint, size)
