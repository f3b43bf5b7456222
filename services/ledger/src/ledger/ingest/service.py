"""Exactly once, in ``seq`` order: how events from every source enter the log.

The broker may lose, repeat or reorder messages; each source's own database
is the store of record. An event whose ``seq`` is not the next one for its
source is a duplicate (skipped) or reveals a gap, which is filled from the
source's catch-up endpoint before the event is appended.

Whoever can write to the broker is not trusted: an event is taken only if it
verifies under a key of its source pinned in the ledger's configuration (or
named by that source's own signed rotation). Anything else is quarantined
with the reason and never takes the place of the real event with its ``seq``.
"""

import json
import logging
import time
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any, NamedTuple

import httpx
from prometheus_client import Counter
from sqlalchemy import Engine, text
from sqlmodel import Session, col, select

from ledger.log import service as log_service
from ledger.log.fact import Fact, fact
from ledger.models import Entry, Quarantined, SourceState
from periplus.events import Envelope, EventRejectedError, parse_envelope
from periplus.kafka import Record
from periplus.sources import ROTATION, SourceKeys

NOTICE = "entry.withheld"

log = logging.getLogger(__name__)

APPENDED = Counter("ledger_entries_appended_total", "Events appended to the log", ["source"])
QUARANTINED = Counter("ledger_events_quarantined_total", "Events refused, with their reason")
GAPS = Counter("ledger_gaps_filled_total", "Events fetched from a catch-up endpoint", ["source"])

PAGE = 1000
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 10.0


class Received(NamedTuple):
    """A record as read: where it came from, its bytes, and its fact or why it was refused."""

    origin: str
    raw: bytes
    parsed: Fact | str


class Ingestor:
    """Takes events from the broker and from the sources' catch-up endpoints.

    ``sources`` maps each source to the base URL of its catch-up endpoint;
    ``keys`` holds the keys each source signs with.
    """

    def __init__(
        self,
        engine: Engine,
        sources: dict[str, str],
        http: httpx.Client,
        keys: SourceKeys | None = None,
    ) -> None:
        self.engine, self.sources, self.http = engine, sources, http
        self.keys = keys or SourceKeys()
        self._failures: dict[str, int] = {}
        self._retry_at: dict[str, float] = {}

    def load_rotations(self) -> None:
        """Follow the key rotations the log holds, so a restart knows every key in force."""
        with Session(self.engine) as session:
            leaves = session.exec(
                select(Entry.leaf).where(col(Entry.type) == ROTATION).order_by(col(Entry.index))
            ).all()
        for leaf in leaves:
            envelope = parse_envelope(leaf)
            if envelope.source in self.keys:
                self.keys.follow(envelope)

    def prepare(self, records: list[Record]) -> list[Received]:
        """The consumer's first step, outside the transaction: parse and check every record."""
        return [
            Received(f"{r.topic}/{r.partition}/{r.offset}", r.value, self._read(r.value))
            for r in records
        ]

    def _read(self, raw: bytes | dict[str, Any]) -> Fact | str:
        """The fact of one record, or the reason it is refused."""
        try:
            envelope = parse_envelope(raw)
            if envelope.type == NOTICE:
                raise EventRejectedError("only the ledger itself may state a withholding")
            if envelope.source in self.sources:
                # A rotation names its successor at once: the events it signs
                # may follow in this very batch.
                if envelope.type == ROTATION:
                    self.keys.follow(envelope)
                else:
                    self.keys.check(envelope)
            return fact(envelope)
        except EventRejectedError as exc:
            return str(exc)

    def handle(self, session: Session, received: list[Received]) -> None:
        """The consumer's second step: quarantine what was refused, ingest the rest."""
        facts: list[Fact] = []
        for origin, raw, parsed in received:
            if isinstance(parsed, str):
                self._quarantine(session, raw, origin, parsed)
            elif parsed.source not in self.sources:
                # Only the configured sources may write: whoever can reach the
                # broker must not be able to put facts into the city's log.
                reason = f"source {parsed.source!r} is not one of this log's sources"
                self._quarantine(session, raw, origin, reason)
            else:
                facts.append(parsed)
        self._ingest(session, facts)

    def ingest(self, session: Session, envelopes: Iterable[Envelope]) -> int:
        """Append events already checked, exactly once and in order per source; the
        caller commits. Tests and benchmarks put entries in the log through here."""
        return self._ingest(session, [fact(envelope) for envelope in envelopes])

    def _ingest(self, session: Session, facts: list[Fact]) -> int:
        by_source: dict[str, list[Fact]] = defaultdict(list)
        for item in facts:
            by_source[item.source].append(item)
        return sum(self._ingest_source(session, s, fs) for s, fs in sorted(by_source.items()))

    def tick(self) -> None:
        """The consumer's periodic hook."""
        self.catch_up()

    def catch_up(self) -> int:
        """Fetch from every source whatever the log lacks; the periodic safety net."""
        total = 0
        for source in self.sources:
            while True:
                with Session(self.engine) as session:
                    last = _state(session, source).last_seq
                    fetched = self._fetch(session, source, last, PAGE)
                    appended = self._ingest_source(session, source, fetched) if fetched else 0
                    session.commit()
                total += appended
                if len(fetched) < PAGE or appended == 0:
                    break
        return total

    def _ingest_source(self, session: Session, source: str, facts: list[Fact]) -> int:
        state = _state(session, source)
        last = state.last_seq  # a plain int while looping: the ORM attribute is slow to set
        batch: list[Fact] = []
        logged = _logged_ids(session, [f.id for f in facts])

        def take(item: Fact) -> None:
            """Append the next event of the source, unless its id is in the log already."""
            if item.id in logged:
                self._quarantine(
                    session,
                    item.leaf,
                    f"{source}#{item.seq}",
                    f"event id {item.id} is already in the log",
                )
            else:
                logged.add(item.id)
                batch.append(item)

        for item in sorted(facts, key=lambda f: f.seq):
            if item.seq <= last:
                continue
            if item.seq > last + 1:
                missing = self._fetch(session, source, last, item.seq - last - 1)
                GAPS.labels(source).inc(len(missing))
                logged |= _logged_ids(session, [f.id for f in missing])
                for filler in missing:
                    if filler.seq == last + 1 and filler.seq < item.seq:
                        take(filler)
                        last = filler.seq
                if item.seq != last + 1:
                    log.warning(
                        "gap not filled yet; the periodic catch-up will retry",
                        extra={"source": source, "expected": last + 1, "got": item.seq},
                    )
                    break
            take(item)
            last = item.seq
        log_service.append(session, batch)
        state.last_seq = last
        session.add(state)
        APPENDED.labels(source).inc(len(batch))
        return len(batch)

    def _fetch(self, session: Session, source: str, after: int, count: int) -> list[Fact]:
        """Up to ``count`` events of ``source`` after ``after``, from its catch-up endpoint."""
        base = self.sources.get(source)
        if base is None:
            return []
        if time.monotonic() < self._retry_at.get(source, 0.0):
            return []  # backing off after a failure; the periodic catch-up tries again
        try:
            response = self.http.get(
                f"{base.rstrip('/')}/v1/events", params={"after": after, "limit": min(count, PAGE)}
            )
            response.raise_for_status()
            raw_events: list[Any] = response.json()["events"]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            failures = self._failures.get(source, 0) + 1
            self._failures[source] = failures
            delay = min(BACKOFF_FIRST * 2 ** (failures - 1), BACKOFF_MAX)
            self._retry_at[source] = time.monotonic() + delay
            log.warning(
                "catch-up failed; backing off",
                extra={"source": source, "error": repr(exc), "retry_in": delay},
            )
            return []
        self._failures.pop(source, None)
        self._retry_at.pop(source, None)
        facts: list[Fact] = []
        for raw in raw_events:
            item = self._parse(session, raw, f"{base}/v1/events?after={after}")
            if item is None or item.source != source:
                break
            facts.append(item)
        return facts

    def _parse(self, session: Session, raw: dict[str, Any], origin: str) -> Fact | None:
        parsed = self._read(raw)
        if isinstance(parsed, str):
            self._quarantine(session, raw, origin, parsed)
            return None
        return parsed

    def _quarantine(self, session: Session, raw: Any, origin: str, reason: str) -> None:
        if isinstance(raw, bytes):
            body = raw
        elif isinstance(raw, str):
            body = raw.encode()
        else:
            body = json.dumps(raw).encode()
        origin = origin[:200]
        seen = session.exec(
            select(Quarantined.raw).where(
                col(Quarantined.origin) == origin, col(Quarantined.reason) == reason
            )
        ).all()
        if body[:1_000_000] in seen:
            return  # redelivered: listed once
        log.warning("event quarantined", extra={"origin": origin, "reason": reason})
        QUARANTINED.inc()
        session.add(
            Quarantined(
                received_at=datetime.now(UTC),
                origin=origin[:200],
                reason=reason,
                raw=body[:1_000_000],
            )
        )


def _state(session: Session, source: str) -> SourceState:
    return session.get(SourceState, source) or SourceState(source=source, last_seq=0)


def _logged_ids(session: Session, ids: list[str]) -> set[str]:
    """Which of these event ids the log holds, in one query with one parameter."""
    if not ids:
        return set()
    if session.get_bind().dialect.name == "postgresql":
        query = text("SELECT event_id FROM entry WHERE event_id = ANY(:ids)")
        return set(session.execute(query, {"ids": ids}).scalars())
    query = text("SELECT event_id FROM entry WHERE event_id IN (SELECT value FROM json_each(:ids))")
    return set(session.execute(query, {"ids": json.dumps(ids)}).scalars())
