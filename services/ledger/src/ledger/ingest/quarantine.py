"""The quarantine: events refused, each listed once with where it came from and why.

A refused event never takes the place of the real event with its ``seq``; it
is kept under the source and seq it names, so an operator can see what holds a
source back. Its reason and origin may quote what the sender wrote: they are
stored with NULs and lone surrogates escaped, so no sender can make the refusal
itself fail, on every retry, and stop ingestion.

Whoever can write to the broker can send refusals without end, so what is kept
depends on who signed it. Bytes signed by the source they name are evidence (a
genuine event refused, two events under one seq) and are kept always, cut to
twice the longest event. Bytes no source signed hold nothing back and prove
nothing: a prefix is kept for the operator, with the digest and size of the
whole message, and past ``unsigned_rows`` of them they are refused, counted and
not kept at all.
"""

import hashlib
import json
import logging
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from sqlmodel import Session

from ledger.ingest import repository
from ledger.ingest.models import Quarantined
from ledger.ingest.resolve import signed_by_its_source
from ledger.log.fact import Fact
from periplus.canonical import canonical_bytes
from periplus.sources import SourceKeys
from periplus.storable import storable
from periplus.tiles import LONGEST

log = logging.getLogger(__name__)

KEPT = 2 * LONGEST
"""Bytes kept of a refused event its source signed: twice what an event may be, enough
to show what was sent."""
PREFIX = 4096
"""Bytes kept of a refused message no source signed: enough for an operator to see what
it is; its digest and size stand for the rest."""
UNSIGNED_ROWS = 100_000
SAY_EVERY = 60.0  # seconds between log lines about refusals not kept
REASON = 2000  # characters of a reason, which may quote every key the message holds

QUARANTINED = Counter("ledger_events_quarantined_total", "Events refused, with their reason")
NOT_KEPT = Counter(
    "ledger_quarantine_not_kept_total",
    "Refused messages no source signed, not kept: the quarantine holds "
    "LEDGER_QUARANTINE_UNSIGNED_ROWS of them",
)


class Quarantine:
    """Lists refused events in the writer's transaction.

    ``keys`` tell what a source signed. The unsigned rows are counted from the database
    once (again after ``recount``) and in memory after that, so a stream of refusals
    costs no count per message; only the writer ingests, so nothing else adds rows.
    """

    def __init__(
        self,
        keys: SourceKeys,
        unsigned_rows: int = UNSIGNED_ROWS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.keys, self.unsigned_rows, self.clock = keys, unsigned_rows, clock
        self._unsigned: int | None = None
        self._not_kept = 0  # since the last line said so
        self._said: float | None = None

    def recount(self) -> None:
        """Count the unsigned rows from the database at the next refusal: after taking the
        writer role, and now and then, so that a batch rolled back is not counted for good."""
        self._unsigned = None

    def add(
        self, session: Session, raw: Any, origin: str, reason: str, item: Fact | None = None
    ) -> bool:
        """List a refused event once; True if it is listed now, False if it was listed
        before or is not kept."""
        if isinstance(raw, bytes):
            body = raw
        elif isinstance(raw, str):
            body = raw.encode(errors="surrogatepass")  # a JSON string may hold a lone surrogate
        else:
            body = json.dumps(raw).encode()
        origin, reason = storable(origin, 200), storable(reason, REASON)
        signed = signed_by_its_source(body, self.keys)
        if signed:
            # Kept as its source signed it, and listed once whatever its spelling or offset:
            # only the source can make another, and a copy sent again costs no row.
            body = canonical_bytes(json.loads(body))
            digest = hashlib.sha256(body).hexdigest()
            if repository.is_quarantined(session, None, reason, digest):
                return False
        else:
            digest = hashlib.sha256(body).hexdigest()
            if repository.is_quarantined(session, origin, reason, digest):
                return False  # redelivered: listed once
            if self._unsigned is None:
                self._unsigned = repository.unsigned_quarantined(session)
            if self._unsigned >= self.unsigned_rows:
                self._refuse_unkept(origin, reason)
                return False
            self._unsigned += 1
        source, seq = (item.source, item.seq) if item is not None else claimed(raw)
        log.warning(
            "event quarantined",
            extra={"origin": origin, "reason": reason, "source": source, "seq": seq},
        )
        QUARANTINED.inc()
        session.add(
            Quarantined(
                received_at=datetime.now(UTC),
                origin=origin,
                reason=reason,
                raw=body[: KEPT if signed else PREFIX],
                source=source,
                seq=seq,
                sha256=digest,
                size=len(body),
                signed=signed,
            )
        )
        return True

    def _refuse_unkept(self, origin: str, reason: str) -> None:
        """Count a refusal not kept; say so once a minute, not once a message."""
        NOT_KEPT.inc()
        self._not_kept += 1
        now = self.clock()
        if self._said is not None and now - self._said < SAY_EVERY:
            return
        log.warning(
            "refused messages no source signed are not kept: the quarantine holds "
            "LEDGER_QUARANTINE_UNSIGNED_ROWS of them",
            extra={
                "not_kept": self._not_kept,
                "limit": self.unsigned_rows,
                "origin": origin,
                "reason": reason,
            },
        )
        self._said, self._not_kept = now, 0


def claimed(raw: Any) -> tuple[str | None, int | None]:
    """The source and seq a refused event names, if it names both plainly (in text a
    database can store)."""
    try:
        value = json.loads(raw) if isinstance(raw, bytes | str) else raw
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, None
    if not isinstance(value, dict):
        return None, None
    source, seq = value.get("source"), value.get("seq")
    if not isinstance(source, str) or not 0 < len(source) <= 128 or storable(source) != source:
        return None, None
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= 2**53:
        return None, None
    return source, seq
