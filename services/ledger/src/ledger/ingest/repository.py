"""What ingestion reads and writes: each source's position, the ids and seqs the log
holds, and the quarantine."""

import json
from collections.abc import Sequence

from sqlalchemy import Connection, text
from sqlmodel import Session, col, func, select

from ledger.ingest.models import Quarantined, SourceState
from ledger.log.models import Entry, Node
from periplus.events import SEQ_RESOLVED
from periplus.sources import ROTATION


def state(session: Session, source: str) -> SourceState:
    """The source's position, a new one at seq 0 if the log holds nothing of it yet."""
    return session.get(SourceState, source) or SourceState(source=source, last_seq=0)


def last_seq(connection: Connection, source: str) -> int:
    last = connection.execute(
        select(SourceState.last_seq).where(col(SourceState.source) == source)
    ).scalar()
    return int(last or 0)


def logged_ids(session: Session, source: str, ids: list[str]) -> tuple[set[str], set[str]]:
    """Which of these event ids the log holds for ``source``, and which it holds for another
    source (a clash), in one query with one parameter."""
    if not ids:
        return set(), set()
    if session.get_bind().dialect.name == "postgresql":
        query = text("SELECT event_id, source FROM entry WHERE event_id = ANY(:ids)")
        rows = session.execute(query, {"ids": ids}).all()
    else:
        query = text(
            "SELECT event_id, source FROM entry "
            "WHERE event_id IN (SELECT value FROM json_each(:ids))"
        )
        rows = session.execute(query, {"ids": json.dumps(ids)}).all()
    own = {event_id for event_id, by in rows if by == source}
    return own, {event_id for event_id, by in rows if by != source}


def holders(session: Session, source: str, seqs: list[int]) -> dict[int, str]:
    """The event id the log holds at each of these seqs of ``source``."""
    rows = session.exec(
        select(Entry.seq, Entry.event_id).where(
            col(Entry.source) == source, col(Entry.seq).in_(seqs)
        )
    ).all()
    return dict(rows)


def resolved_seqs(session: Session, source: str, seqs: list[int]) -> set[int]:
    """Of these seqs of ``source``, those a public notice of the log moved past (no other
    source may log one: ``records``). Notices are few, one per decision, so their leaves
    are read rather than indexed."""
    leaves = session.exec(select(Entry.leaf).where(col(Entry.type) == SEQ_RESOLVED)).all()
    wanted, found = set(seqs), set()
    for leaf in leaves:
        if not leaf:  # withheld: its bytes are gone, and a notice is never withheld
            continue
        data = json.loads(leaf).get("data", {})
        if data.get("source") == source and data.get("seq") in wanted:
            found.add(data["seq"])
    return found


def leaf_hashes(session: Session, source: str, seqs: list[int]) -> dict[int, bytes]:
    """The leaf hash the log holds at each of these seqs of ``source``, from its tree: it
    stays when a withholding erases the entry's bytes."""
    rows = session.exec(
        select(Entry.seq, Node.hash)
        .join(Node, (col(Node.level) == 0) & (col(Node.index) == col(Entry.index)))
        .where(col(Entry.source) == source, col(Entry.seq).in_(seqs))
    ).all()
    return dict(rows)


def rotation_leaves(session: Session) -> Sequence[bytes]:
    """The logged key rotations of every source, in log order."""
    return session.exec(
        select(Entry.leaf).where(col(Entry.type) == ROTATION).order_by(col(Entry.index))
    ).all()


def is_quarantined(session: Session, origin: str | None, reason: str, sha256: str) -> bool:
    """Whether a message with this digest is listed already for ``reason``, from ``origin``
    (None: from anywhere): a redelivery is listed once. Found by the digest's index, so
    that a source refused many times over costs no more at each refusal."""
    query = select(Quarantined.id).where(
        col(Quarantined.sha256) == sha256, col(Quarantined.reason) == reason
    )
    if origin is not None:
        query = query.where(col(Quarantined.origin) == origin)
    return session.exec(query.limit(1)).first() is not None


def unsigned_quarantined(session: Session) -> int:
    """Rows of the quarantine not known to be signed by their source."""
    query = (
        select(func.count()).select_from(Quarantined).where(col(Quarantined.signed).is_not(True))
    )
    return int(session.exec(query).one())


def quarantined_after(session: Session, after: int, limit: int) -> Sequence[Quarantined]:
    return session.exec(
        select(Quarantined)
        .where(col(Quarantined.id) > after)
        .order_by(col(Quarantined.id))
        .limit(limit)
    ).all()
