"""Withholding an entry's bytes under law, in public.

A court order or a privacy law may require that the bytes of an entry no
longer be served. The leaf hash stays in the tree, so every root and proof
still verifies; the bytes are erased from the database; and the withholding
is itself appended as an ``entry.withheld`` event that names the entry, its
leaf hash, the reason and the legal basis, so it cannot be done quietly. Copies
the ledger refused earlier (the same event sent again, a forgery repeating the
fact) lose their bytes in the public quarantine too; their reasons stay.
"""

import contextlib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlmodel import Session, col, select

from ledger.ingest.models import Quarantined, SourceState
from ledger.log import service as log_service
from ledger.log.fact import fact
from ledger.log.models import Entry, Withholding
from ledger.log.repository import NodeStore
from periplus import sources
from periplus.canonical import canonical_bytes
from periplus.events import copies
from periplus.note import Signer

NOTICE_TYPE = "entry.withheld"


class WithholdError(ValueError):
    """The withholding cannot be done; the message says why."""


def withhold(
    session: Session,
    index: int,
    reason: str,
    legal_basis: str,
    signer: Signer,
    needle: str | None = None,
) -> int:
    """Withhold entry ``index``; return the index of the public notice. Caller commits.

    ``signer`` is the log key under the name of the ledger's own source: the
    notice is signed like every other fact, so no one else can make one.
    ``needle``, a withheld fact, is erased from refused copies too.
    """
    if not reason.strip() or not legal_basis.strip():
        raise WithholdError("a withholding needs a reason and a legal basis")
    entry = session.get(Entry, index)
    if entry is None:
        raise WithholdError(f"the log has no entry {index}")
    if session.get(Withholding, index) is not None:
        raise WithholdError(f"entry {index} is already withheld")
    if entry.type == NOTICE_TYPE:
        raise WithholdError("a withholding notice is itself never withheld")
    leaf_hash = NodeStore(session).get_nodes([(0, index)])[(0, index)]
    own = signer.name
    state = session.get(SourceState, own) or SourceState(source=own, last_seq=0)
    state.last_seq += 1
    notice = sources.sign(
        signer,
        seq=state.last_seq,
        type_=NOTICE_TYPE,
        trip_id=uuid.UUID(entry.trip_id),
        data={
            "index": index,
            "leaf_hash": leaf_hash.hex(),
            "reason": reason,
            "legal_basis": legal_basis,
        },
    )
    [notice_index] = log_service.append(session, [fact(notice)])
    session.add(state)
    _scrub_quarantine(session, json.loads(entry.leaf), [needle] if needle else [], index)
    entry.leaf = b""
    session.add(entry)
    session.add(
        Withholding(
            index=index,
            reason=reason,
            legal_basis=legal_basis,
            notice_index=notice_index,
            withheld_at=datetime.now(UTC),
        )
    )
    return notice_index


def withhold_fact(
    session: Session, trip_id: str, fact: str, reason: str, legal_basis: str, signer: Signer
) -> list[tuple[int, int]]:
    """Withhold every entry of a trip that states ``fact`` (a name, a document's address).

    The fact is looked for as its source wrote it, in RFC 8785 form, so every
    later snapshot that repeated it is found too. The notices name the entries,
    never the fact. Returns (entry, notice) pairs; the caller commits.
    """
    if not fact.strip():
        raise WithholdError("name the fact to withhold")
    needle = canonical_bytes(fact)[1:-1]  # the string as it appears inside a leaf
    rows = session.exec(
        select(Entry.index, Entry.leaf)
        .where(col(Entry.trip_id) == trip_id, col(Entry.type) != NOTICE_TYPE)
        .order_by(col(Entry.index))
    ).all()
    found = [index for index, leaf in rows if needle in leaf]
    if not found:
        raise WithholdError(f"no entry of trip {trip_id} states that fact")
    return [(index, withhold(session, index, reason, legal_basis, signer, fact)) for index in found]


def _scrub_quarantine(
    session: Session, withheld: dict[str, Any], needles: list[str], index: int
) -> None:
    """Erase the bytes of every refused event that copies the withheld one (its id in any
    spelling, its data) or holds one of ``needles`` (a withheld fact). The quarantine is
    small and a withholding rare, so every row is read."""
    needles = [str(withheld["id"]), *needles]
    for row in session.exec(select(Quarantined)).all():
        if row.raw and (copies(row.raw, withheld) or _holds(row.raw, needles)):
            row.raw, row.sha256 = b"", None  # a digest would confirm a guess at them
            row.reason = f"{row.reason} (bytes withheld with entry {index})"
            session.add(row)


def _holds(raw: bytes, needles: list[str]) -> bool:
    """Whether refused bytes state a needle, as written or once decoded: a copy need not
    be canonical (``\\u00e9`` for ``é``)."""
    text = raw.decode("utf-8", "replace")
    with contextlib.suppress(ValueError, RecursionError):
        text += json.dumps(json.loads(raw), ensure_ascii=False)
    return any(needle in text for needle in needles)
