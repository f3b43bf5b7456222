"""Refusing in public: what fails a check is kept with the reason, counted and listed.

Nothing quarantined is shown. Announcements and entries are listed once per
bytes and reason; a refused checkpoint once per reason, so a ledger that
keeps signing with a key the policy does not name adds one line, not one per
checkpoint. An announcement is listed by the hash and size of its bytes, which
are not kept: they are whatever someone who can write to the broker sent. An
entry's bytes are the ledger's, public there already, and kept.
"""

import hashlib
import logging
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, Literal

from prometheus_client import Counter
from sqlmodel import Session, col, select

from notifier.ingest.models import Quarantined
from notifier.ingest.rows import insert_new
from periplus import merkle
from periplus.events import copies
from periplus.storable import storable

log = logging.getLogger(__name__)

Kind = Literal["announcement", "entry", "checkpoint"]
Problem = Literal["policy", "rollback", "fork", "unreached"]

QUARANTINED = Counter(
    "notifier_entries_quarantined_total",
    "Announcements and ledger entries refused and listed, never shown",
    ["kind"],
)
REFUSED = Counter(
    "notifier_checkpoints_refused_total",
    "Checkpoints refused: failing the trust policy, smaller than or forking from the "
    "verified tree, or not reached by the ledger's own entries",
    ["problem"],
)
OUT_OF_SEQUENCE = Counter(
    "notifier_entries_out_of_sequence_total",
    "Ledger entries refused because they are not their source's next seq: an older event "
    "logged again, or one after a seq that nothing in the log accounts for",
    ["source"],
)
MAX_RAW = 1_000_000


def entry(
    session: Session,
    kind: Literal["announcement", "entry"],
    reason: str,
    raw: bytes,
    origin: str,
    index: int | None = None,
) -> None:
    """List a refused announcement or entry; the caller commits."""
    if _add(session, kind, reason, raw, origin, index, raw):
        QUARANTINED.labels(kind).inc()
        log.warning(
            "quarantined", extra={"kind": kind, "index": index, "origin": origin, "reason": reason}
        )


def out_of_sequence(
    session: Session, source: str, reason: str, raw: bytes, origin: str, index: int
) -> None:
    """List an entry that is not its source's next seq, an alarm: the ledger's database
    holds an event again, or lacks one (``notifier.ingest.sequence``); the caller commits."""
    if _add(session, "entry", f"alarm: {reason}", raw, origin, index, raw):
        QUARANTINED.labels("entry").inc()
        OUT_OF_SEQUENCE.labels(source).inc()
        log.critical(
            "an entry out of its source's sequence",
            extra={"source": source, "index": index, "reason": reason},
        )


def checkpoint(session: Session, problem: Problem, reason: str, note: str, origin: str) -> None:
    """Count a refused checkpoint, an alarm: the ledger or the path to it misbehaves."""
    REFUSED.labels(problem).inc()
    raw = note.encode(errors="surrogatepass")
    if _add(session, "checkpoint", reason, raw, origin, None, b""):
        log.error("checkpoint refused", extra={"problem": problem, "reason": reason})


def withhold(
    session: Session,
    index: int,
    notice_index: int,
    leaf_hash: bytes | None = None,
    event: Mapping[str, Any] | None = None,
) -> None:
    """A withheld entry's bytes leave the quarantine too (its reason stays listed): what was
    refused at ``index``, and any copy of the entry refused elsewhere (its very bytes, by
    ``leaf_hash``, or its id or data, by ``event``), is still what the law withholds. A
    withholding is rare, so every row is read. The caller commits."""
    for row in session.exec(select(Quarantined)).all():
        if row.raw and (
            row.ledger_index == index
            or (leaf_hash is not None and merkle.leaf_hash(row.raw) == leaf_hash)
            or (event is not None and copies(row.raw, event))
        ):
            row.raw, row.sha256 = b"", None  # a digest would confirm a guess at them
            row.reason = f"{row.reason} (bytes withheld, notice at index {notice_index})"[:1000]
            session.add(row)


def _add(
    session: Session,
    kind: Kind,
    reason: str,
    raw: bytes,
    origin: str,
    index: int | None,
    identity: bytes,
) -> bool:
    """List a refusal once per digest; reason and origin may quote what the ledger or a
    hint sent, so they are made storable first: a NUL or a lone surrogate in them must
    not fail the write on every retry and stop ingestion."""
    reason = storable(reason)
    digest = hashlib.sha256(f"{kind}\n{index}\n{reason}\n".encode() + identity).hexdigest()
    inserted = session.execute(
        insert_new(session, Quarantined)
        .values(
            kind=kind,
            ledger_index=index,
            origin=storable(origin, 200),
            reason=reason[:1000],
            raw=b"" if kind == "announcement" else raw[:MAX_RAW],
            sha256=hashlib.sha256(raw).hexdigest(),
            size=len(raw),
            digest=digest,
            received_at=datetime.now(UTC),
        )
        .returning(col(Quarantined.id))
    ).first()
    return inserted is not None
