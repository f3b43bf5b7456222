"""The quarantine: events refused, each listed once with where it came from and why.

A refused event never takes the place of the real event with its ``seq``; it
is kept, cut to twice the longest event, under the source and seq it names, so an
operator can see what holds a source back. Its reason and origin may quote what the
sender wrote: they are stored with NULs and lone surrogates escaped, so no
sender can make the refusal itself fail, on every retry, and stop ingestion.
"""

import json
import logging
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from sqlmodel import Session

from ledger.ingest import repository
from ledger.ingest.models import Quarantined
from ledger.log.fact import Fact
from periplus.storable import storable
from periplus.tiles import LONGEST

log = logging.getLogger(__name__)

KEPT = 2 * LONGEST
"""Bytes kept of a refused event: twice what an event may be, enough to show what was
sent, so that a sender of large refused messages fills the quarantine slowly."""
REASON = 2000  # characters of a reason, which may quote every key the message holds

QUARANTINED = Counter("ledger_events_quarantined_total", "Events refused, with their reason")


def quarantine(
    session: Session, raw: Any, origin: str, reason: str, item: Fact | None = None
) -> bool:
    """List a refused event once; True if it was not listed before."""
    if isinstance(raw, bytes):
        body = raw
    elif isinstance(raw, str):
        body = raw.encode(errors="surrogatepass")  # a JSON string may hold a lone surrogate
    else:
        body = json.dumps(raw).encode()
    body, origin, reason = body[:KEPT], storable(origin, 200), storable(reason, REASON)
    if repository.is_quarantined(session, origin, reason, body):
        return False  # redelivered: listed once
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
            raw=body,
            source=source,
            seq=seq,
        )
    )
    return True


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
