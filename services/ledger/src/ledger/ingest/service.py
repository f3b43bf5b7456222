"""Exactly once, in ``seq`` order: how events from every source enter the log.

The broker may lose, repeat or reorder messages; each source's own database
is the store of record. An event whose ``seq`` is not the next one for its
source is a duplicate (skipped) or reveals a gap, which is filled from the
source's catch-up endpoint while the batch is prepared: outside the write
transaction, with the client's timeouts and a back-off of its own per source.
The periodic catch-up follows each source as a feed of ``periplus.follower``:
its position is the log's last seq of it.

Whoever can write to the broker is not trusted: an event is taken only if it
verifies under a key of its source pinned in the ledger's configuration (or
named by that source's own signed rotation). Anything else is quarantined
with the reason and never takes the place of the real event with its ``seq``.

No ``seq`` is ever passed in silence. An event refused at its source's next
``seq`` (by its signature, its text, or the database, in a savepoint of its
own) holds that source back, and no other, until the real event comes or an
operator resolves the seq with a public notice (``ledger resolve``); what
holds a source back shows in ``ledger_source_held_seq`` and ``/readyz``. So
does a seq that never came while later ones did (``resolve.note_missing``), and
whether the source, asked for it, answered without it. An event for a ``seq``
the log holds under another id, or under its id with other bytes, is an alarm.

Only the writer appends: every transaction that ingests checks, before it
commits, that this process still holds the writer lock (``fence``), so one that
lost it while a batch was on its way commits nothing; the next writer takes
the batch.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

import httpx
from prometheus_client import Counter, Gauge
from sqlalchemy import Connection, Engine
from sqlmodel import Session

from ledger.ingest import catchup, records, repository, resolve
from ledger.ingest.catchup import PAGE, first_missing
from ledger.ingest.quarantine import UNSIGNED_ROWS, Quarantine
from ledger.ingest.records import Received, read_all
from ledger.log import service as log_service
from ledger.log.fact import Fact, fact
from periplus import db, merkle
from periplus.events import SEQ_RESOLVED, Envelope, parse_envelope
from periplus.follower import Backoff, Follower
from periplus.isolation import apply_isolated
from periplus.kafka import Record
from periplus.note import Signer
from periplus.sources import SourceKeys

log = logging.getLogger(__name__)

APPENDED = Counter("ledger_entries_appended_total", "Events appended to the log", ["source"])
GAPS = Counter("ledger_gaps_filled_total", "Events fetched from a catch-up endpoint", ["source"])
CONFLICTS = Counter(
    "ledger_seq_conflicts_total",
    "Alarms: events signed for a seq that the log holds under another event id, or that it "
    "is past with no event and no public notice at it",
    ["source"],
)
HELD = Gauge(
    "ledger_source_held_seq",
    "The seq of each source that a quarantined event, or a seq that never came, holds "
    "back (0: none); `ledger resolve` moves past it in public",
    ["source"],
)

# A source that fails is asked again ever later, up to once a minute: a hung one
# costs the consumer one timeout a minute, not one a batch.
BACKOFF_FIRST, BACKOFF_MAX = 0.5, 60.0


def follow_rotations(session: Session, keys: SourceKeys) -> None:
    """Make ``keys`` follow the key rotations the log holds, to know every key in force."""
    for leaf in repository.rotation_leaves(session):
        envelope = parse_envelope(leaf, logged=True)
        if envelope.source in keys:
            keys.follow(envelope)


class Ingestor:
    """Takes events from the broker and from the sources' catch-up endpoints.

    ``sources`` maps each source to the base URL of its catch-up endpoint;
    ``keys`` holds the keys each source signs with; ``backoff`` says when a
    source that failed is asked again, by gap fills and catch-up alike;
    ``timeouts`` are a source's own, where it has some, else ``http``'s;
    ``unsigned_rows`` is how many refused messages no source signed the quarantine keeps;
    ``fence`` raises WriterLostError, in a transaction about to commit, once this process
    is no longer the writer; ``notices`` gives the log key under the name of the ledger's
    own source, to apply the operators' queued decisions (None: they are not applied
    here), and ``missing_after`` is how long a seq may be missing before one may pass it.
    """

    def __init__(
        self,
        engine: Engine,
        sources: dict[str, str],
        http: httpx.Client,
        keys: SourceKeys | None = None,
        backoff: Backoff | None = None,
        timeouts: dict[str, httpx.Timeout] | None = None,
        unsigned_rows: int = UNSIGNED_ROWS,
        fence: Callable[[Connection], None] | None = None,
        notices: Callable[[], Signer] | None = None,
        missing_after: float = 3600.0,
    ) -> None:
        self.engine, self.sources, self.http = engine, sources, http
        self.timeouts = timeouts or {}
        self.keys = keys or SourceKeys()
        self.backoff = backoff or Backoff("catch-up", BACKOFF_FIRST, BACKOFF_MAX)
        self.follower = Follower(engine, self.backoff)
        self._prepared: dict[str, int] = {}  # the highest seq of each source read so far
        self._held: dict[str, int] = {}
        self._refusing: set[str] = set()  # held by a refused event, not a missing seq
        self.verdicts: resolve.Verdicts = {}  # quarantined rows signed by their source, or not
        self._refused = 0
        self.quarantine = Quarantine(self.keys, unsigned_rows)
        self.fence, self.notices, self.missing_after = fence, notices, missing_after
        self._noted = False  # a seq found missing in this batch
        self._denied: dict[str, int] = {}  # the missing seq each source answered without

    def load_rotations(self) -> None:
        """Follow the key rotations the log holds, so a restart knows every key in force;
        and count the quarantine afresh, which another writer may have filled."""
        with Session(self.engine) as session:
            follow_rotations(session, self.keys)
        self.verdicts.clear()  # a row found unsigned under fewer keys may be signed now
        self.quarantine.recount()

    def prepare(self, records: list[Record]) -> list[Received]:
        """The consumer's first step, outside the transaction: parse and check every
        record, and fetch from the sources the events their seqs skip."""
        received = read_all(records, self.sources, self.keys)
        return received + self._fill([r.parsed for r in received if isinstance(r.parsed, Fact)])

    def handle(self, session: Session, received: list[Received]) -> None:
        """The consumer's second step: quarantine what was refused, ingest the rest."""
        refused, self._noted = self._refused, False
        self._ingest(session, self._sort(session, received))
        if self._refused != refused or self._held or self._noted:
            self._watch_held(session)
        self._fenced(session)

    def _fenced(self, session: Session) -> None:
        """Raise WriterLostError if this process lost the writer role: the caller's
        transaction must not commit."""
        if self.fence is not None:
            self.fence(session.connection())

    def ingest(self, session: Session, envelopes: Iterable[Envelope]) -> int:
        """Append events already checked, exactly once and in order per source, with
        what their seqs skip fetched first; the caller commits. Tests and benchmarks
        put entries in the log through here."""
        facts = [fact(envelope) for envelope in envelopes]
        return self._ingest(session, facts + self._sort(session, self._fill(facts, session)))

    def _sort(self, session: Session, received: Iterable[Received]) -> list[Fact]:
        """Quarantine what was refused or comes from no source of this log; the facts left."""
        facts: list[Fact] = []
        for origin, raw, parsed in received:
            if isinstance(parsed, str):
                self._quarantine(session, raw, origin, parsed)
            elif parsed.source not in self.sources:
                # Only the configured sources may write: whoever can reach the
                # broker must not be able to put facts into the city's log.
                reason = f"source {parsed.source!r} is not one of this log's sources"
                self._quarantine(session, raw, origin, reason, parsed)
            else:
                facts.append(parsed)
        return facts

    def _ingest(self, session: Session, facts: list[Fact]) -> int:
        by_source: dict[str, list[Fact]] = defaultdict(list)
        for item in facts:
            by_source[item.source].append(item)
        return sum(self._ingest_source(session, s, fs) for s, fs in sorted(by_source.items()))

    def tick(self) -> None:
        """The consumer's periodic hook: the operators' queued decisions, then catch-up."""
        self.quarantine.recount()
        self.resolve_requested()
        self.catch_up()

    def resolve_requested(self) -> int:
        """Apply the decisions ``ledger resolve`` queued for the writer; how many."""
        if self.notices is None:
            return 0
        with Session(self.engine) as session:
            done = resolve.apply_requested(
                session, self.notices(), self.sources, self.keys, self.missing_after
            )
            if not done:
                return 0
            self._fenced(session)
            session.commit()
            for row in done:
                log.warning(
                    "a queued decision to resolve a seq was applied"
                    if row.refused is None
                    else "a queued decision to resolve a seq was refused",
                    extra={
                        "source": row.source,
                        "seq": row.seq,
                        "notice_index": row.notice_index,
                        "refused": row.refused,
                    },
                )
            return len(done)

    def catch_up(self) -> int:
        """Fetch from every source whatever the log lacks; the periodic safety net.

        Each request runs outside any transaction; a source that fails backs
        off alone, and one held back is asked only for the seq that holds it.
        Whatever one source's answer breaks backs that source off too: it must
        not keep the sources after it from being caught up, tick after tick.
        """
        total = sum(self._catch_up(source) for source in self.sources)
        denied, self._denied = self._denied, {}
        if denied:
            with Session(self.engine) as session:
                if any([resolve.note_denied(session, s, seq) for s, seq in denied.items()]):
                    self._fenced(session)
                    session.commit()
        with db.reading(self.engine) as connection, Session(connection) as session:
            self._watch_held(session)
        return total

    def _catch_up(self, source: str) -> int:
        try:
            return self.follower.catch_up(SourceFeed(self, source))
        except Exception as exc:  # a bug its answer found: logged with its trace
            self.backoff.failed(source, exc)
            return 0

    def _ingest_source(self, session: Session, source: str, facts: list[Fact]) -> int:
        state = repository.state(session, source)
        last = state.last_seq  # a plain int while looping: the ORM attribute is slow to set
        batch: list[Fact] = []
        passed: list[Fact] = []
        repeated: list[Fact] = []  # ids the log holds, under seqs it is past
        logged, elsewhere = repository.logged_ids(session, source, [f.id for f in facts])
        for clash in elsewhere:
            log.warning(
                "an event carries an id that an entry of another source holds",
                extra={"source": source, "event_id": clash},
            )
        for item in sorted(facts, key=lambda f: f.seq):
            if item.seq <= last:
                (repeated if item.id in logged else passed).append(item)
                continue
            if item.seq > last + 1:
                self._noted |= resolve.note_missing(session, source, last + 1)
                if self._held.get(source) != last + 1:  # a held source waits in silence
                    log.warning(
                        "gap not filled yet; the periodic catch-up will retry",
                        extra={"source": source, "expected": last + 1, "got": item.seq},
                    )
                break
            if item.id in logged:
                reason = f"event id {item.id} is already in the log"
                self._quarantine(session, item.leaf, f"{source}#{item.seq}", reason, item)
                break
            logged.add(item.id)
            batch.append(item)
            last = item.seq
        passed += self._altered(session, source, repeated, batch)
        self._refuse_passed(session, source, passed, batch)

        def store(chunk: Iterable[Fact]) -> None:
            log_service.append(session, list(chunk))

        def refuse(item: Fact, error: str) -> None:
            reason = f"the log cannot store it: {error}"
            self._quarantine(session, item.leaf, f"{source}#{item.seq}", reason, item)

        appended = apply_isolated(session, batch, store, refuse, stop_at_refusal=True)
        if appended:
            state.last_seq = appended[-1].seq
            session.add(state)
        APPENDED.labels(source).inc(len(appended))
        return len(appended)

    def _altered(
        self, session: Session, source: str, repeated: list[Fact], batch: list[Fact]
    ) -> list[Fact]:
        """Of events whose ids the log holds, under seqs it is past, those that are not
        the very leaf it holds at their seq: a redelivery is the same bytes, anything else
        the source signed is an alarm like another id under a logged seq."""
        if not repeated:
            return []
        wanted = {f.seq for f in repeated}
        held = {f.seq: merkle.leaf_hash(f.leaf) for f in batch if f.seq in wanted}
        seqs = [seq for seq in wanted if seq not in held]
        if seqs:
            held.update(repository.leaf_hashes(session, source, seqs))
        return [f for f in repeated if held.get(f.seq) != merkle.leaf_hash(f.leaf)]

    def _refuse_passed(
        self, session: Session, source: str, passed: list[Fact], batch: list[Fact]
    ) -> None:
        """Quarantine events for seqs the log is past, which their ids are not in.

        Another event under a seq the log holds is an alarm: the source signed
        two events with one seq (a restored database, a forked source, a stolen
        key). A seq with no entry is passed only by a public notice; with none,
        the log's position of its source was moved by hand, and that is an alarm too.
        """
        if not passed:
            return
        holders = {f.seq: f.id for f in batch}
        seqs = [f.seq for f in passed if f.seq not in holders]
        if seqs:
            holders.update(repository.holders(session, source, seqs))
        unheld = [f.seq for f in passed if f.seq not in holders]
        resolved = repository.resolved_seqs(session, source, unheld) if unheld else set()
        for item in passed:
            origin = f"{source}#{item.seq}"
            holder = holders.get(item.seq)
            if holder is None and item.seq in resolved:
                reason = (
                    f"seq {item.seq} of {source} was passed: the log moved past it "
                    f"with a public {SEQ_RESOLVED} notice"
                )
                self._quarantine(session, item.leaf, origin, reason, item)
                continue
            if holder is None:
                reason = (
                    f"alarm: the log is past seq {item.seq} of {source}, yet holds no event "
                    f"and no public {SEQ_RESOLVED} notice at it: its position was moved "
                    "outside the ledger"
                )
                if self._quarantine(session, item.leaf, origin, reason, item):
                    CONFLICTS.labels(source).inc()
                    log.critical(
                        "the log is past a seq it holds nothing at and no notice passed",
                        extra={"source": source, "seq": item.seq, "event": item.id},
                    )
                continue
            other = "other bytes of it" if holder == item.id else f"another event, {item.id}"
            reason = (
                f"alarm: seq {item.seq} of {source} is in the log as event {holder}; "
                f"this is {other}, with the same seq"
            )
            if self._quarantine(session, item.leaf, origin, reason, item):
                CONFLICTS.labels(source).inc()
                log.error(
                    "a source signed two events with one seq",
                    extra={"source": source, "seq": item.seq, "logged": holder, "other": item.id},
                )

    def _fill(self, facts: list[Fact], session: Session | None = None) -> list[Received]:
        """What the sources' catch-up endpoints hold for the seqs these facts skip.

        A gap is measured from the highest seq read so far, so a batch that
        follows one still being written asks for nothing; only a seemingly
        missing seq costs a read of the log's own position.
        """
        seqs: dict[str, set[int]] = defaultdict(set)
        for item in facts:
            if item.source in self.sources:
                seqs[item.source].add(item.seq)
        found: list[Received] = []
        for source, numbers in sorted(seqs.items()):
            top = max(numbers)
            read = self._prepared.get(source, 0)
            self._prepared[source] = max(read, top)
            if first_missing(numbers, read) > top:
                continue
            first = first_missing(numbers, max(read, self._last_seq(source, session)))
            if first > top:
                continue
            fetch = partial(self._fetch, source, first - 1, top - first)
            fetched = self.backoff.attempt(source, fetch) or []
            GAPS.labels(source).inc(sum(isinstance(r.parsed, Fact) for r in fetched))
            found += fetched
        return found

    def _last_seq(self, source: str, session: Session | None = None) -> int:
        if session is not None:
            return repository.state(session, source).last_seq
        with db.reading(self.engine) as connection:
            return repository.last_seq(connection, source)

    def _fetch(self, source: str, after: int, count: int) -> list[Received]:
        """Up to ``count`` events of ``source`` after ``after``, from its catch-up endpoint,
        up to the first refused; raises FetchError if the source cannot be read."""
        base = self.sources.get(source)
        if base is None:
            return []
        read = partial(records.read, sources=self.sources, keys=self.keys)
        return catchup.fetch(self.http, base, source, after, count, self.timeouts, read)

    def _watch_held(self, session: Session) -> None:
        """Show in the metrics which source a quarantined event or a missing seq holds back,
        at which seq."""
        found = resolve.held(session, self.sources, self.keys, self.verdicts)
        held = {h.source: h.seq for h in found}
        for source in self.sources:
            HELD.labels(source).set(held.get(source, 0))
        self._held = held
        self._refusing = {h.source for h in found if not h.missing}

    def _quarantine(
        self, session: Session, raw: Any, origin: str, reason: str, item: Fact | None = None
    ) -> bool:
        """List a refused event once, counted as refused; True if it is listed now."""
        if not self.quarantine.add(session, raw, origin, reason, item):
            return False
        self._refused += 1
        return True


class SourceFeed:
    """A source's catch-up endpoint as a feed: the position is the log's last seq of it;
    a source that a refused event holds back at a seq is asked for that seq alone."""

    def __init__(self, ingestor: Ingestor, source: str) -> None:
        self.ingestor, self.name = ingestor, source

    def position(self) -> int:
        return self.ingestor._last_seq(self.name)

    def fetch(self, last: int) -> list[Received] | None:
        held = (
            self.name in self.ingestor._refusing and self.ingestor._held.get(self.name) == last + 1
        )
        found = self.ingestor._fetch(self.name, last, 1 if held else PAGE)
        if not found or _seq_of(found[0]) > last + 1:
            self.ingestor._denied[self.name] = last + 1  # if it is known missing
        return found or None

    def apply(self, session: Session, last: int, batch: list[Received]) -> tuple[int, bool]:
        appended = self.ingestor._ingest(session, self.ingestor._sort(session, batch))
        self.ingestor._fenced(session)
        return appended, appended > 0 and len(batch) == PAGE


def _seq_of(received: Received) -> int:
    """The seq of an event a source served (0 for one refused: it may be the seq asked)."""
    return received.parsed.seq if isinstance(received.parsed, Fact) else 0
