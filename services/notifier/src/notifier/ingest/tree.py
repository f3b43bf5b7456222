"""The tree this notifier has verified: kept in its database with the read model.

Its right edge (a compact range) is all that is needed to check that the
next entries extend it to a signed root, so the notifier never trusts a
consistency proof for what it has already shown, and stores no other hash.
"""

from collections.abc import Iterable
from datetime import UTC, datetime

from sqlalchemy import Connection, select, update
from sqlmodel import Session, col

from notifier.ingest.models import VerifiedTree
from notifier.ingest.rows import insert_new
from periplus.merkle import CompactRange

HASH = 32


def load(connection: Connection) -> CompactRange:
    """The verified tree's right edge; empty before the first checkpoint."""
    row = connection.execute(select(col(VerifiedTree.size), col(VerifiedTree.edge))).first()
    return CompactRange() if row is None else _edge(int(row[0]), bytes(row[1]))


def lock(session: Session) -> int:
    """The verified size, with the row locked until commit so that one writer extends it.

    The row is made first if there is none, so that two notifiers on one database
    starting together lock the same row rather than both seeing nothing to lock.
    """
    query = select(col(VerifiedTree.size)).with_for_update()
    size = session.execute(query).scalar()
    if size is None:
        _make(session)
        size = session.execute(query).scalar()
    return 0 if size is None else int(size)


def _make(session: Session) -> None:
    """The row of the empty tree, unless another transaction made it first."""
    session.execute(
        insert_new(session, VerifiedTree).values(
            id=1, size=0, edge=b"", checkpoint="", verified_at=datetime.now(UTC), signed_size=0
        )
    )


def save(session: Session, tree: CompactRange, checkpoint: str) -> None:
    """Store the tree extended; the caller holds the row (``lock``) and commits."""
    session.execute(
        update(VerifiedTree)
        .where(col(VerifiedTree.id) == 1)
        .values(
            size=tree.size,
            edge=b"".join(tree.hashes),
            checkpoint=checkpoint,
            verified_at=datetime.now(UTC),
        )
    )


def saw(session: Session, signed_size: int) -> None:
    """Remember that the ledger signed a checkpoint of ``signed_size``; the caller commits."""
    _make(session)
    session.execute(
        update(VerifiedTree)
        .where(col(VerifiedTree.id) == 1, col(VerifiedTree.signed_size) < signed_size)
        .values(signed_size=signed_size)
    )


def caught_up(connection: Connection) -> bool:
    """Whether the read model holds every entry of the newest checkpoint read.

    With no tree (entries applied by other means than ``Ingestor``) there is
    no ledger to lag behind.
    """
    row = connection.execute(select(col(VerifiedTree.size), col(VerifiedTree.signed_size))).first()
    return row is None or int(row[0]) >= int(row[1])


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
