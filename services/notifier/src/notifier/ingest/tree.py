"""The tree this notifier has verified: kept in its database with the read model.

Its right edge (a compact range) is all that is needed to check that the
next entries extend it to a signed root, so the notifier never trusts a
consistency proof for what it has already shown, and stores no other hash.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, select
from sqlmodel import Session, col

from notifier.ingest.models import VerifiedTree
from periplus.merkle import CompactRange

HASH = 32


def load(connection: Connection) -> CompactRange:
    """The verified tree's right edge; empty before the first checkpoint."""
    row = connection.execute(select(col(VerifiedTree.size), col(VerifiedTree.edge))).first()
    return CompactRange() if row is None else _edge(int(row[0]), bytes(row[1]))


def lock(session: Session) -> int:
    """The verified size, with the row locked until commit so that one writer extends it."""
    size = session.execute(select(col(VerifiedTree.size)).with_for_update()).scalar()
    return 0 if size is None else int(size)


def save(session: Session, tree: CompactRange, checkpoint: str) -> None:
    session.merge(
        VerifiedTree(
            size=tree.size,
            edge=b"".join(tree.hashes),
            checkpoint=checkpoint,
            verified_at=datetime.now(UTC),
        )
    )


def extended(tree: CompactRange, leaf_hashes: Iterable[bytes]) -> CompactRange:
    """A copy of ``tree`` with more leaves: the original stays as verified."""
    grown = CompactRange(tree.size, list(tree.hashes))
    for digest in leaf_hashes:
        grown.append(digest)
    return grown


def _edge(size: int, edge: bytes) -> CompactRange:
    hashes = [edge[i : i + HASH] for i in range(0, len(edge), HASH)]
    if len(hashes) != size.bit_count() or len(edge) % HASH:
        raise ValueError(f"the stored edge of the verified tree does not fit its size {size}")
    return CompactRange(size, hashes)
