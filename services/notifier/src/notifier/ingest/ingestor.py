"""From hints to shown entries: nothing reaches the public unless the ledger's signed
tree holds it and its own source signed it.

Announcements on the entries topic (``handle``) and the ledger's entries
endpoint are equally untrusted. ``catch_up`` reads the ledger's checkpoint
and checks it against the trust policy (the log's key, the witnesses'
quorum); extends the verified tree with the announced leaves or, where none
was announced or they do not reach the signed root, with the ledger's own,
which count only once they do; checks each entry's source signature, and that
it is its source's next seq (``notifier.ingest.sequence``); and applies what
passes in the transaction that stores the new tree. What fails is quarantined.
The tree already shown needs no consistency proof: the new root is computed
from its stored right edge. The loop is ``periplus.follower``'s
(``LedgerFeed``): the verified tree is the position, a batch is read and
checked outside any transaction (a ledger that cannot be read is backed off),
and it is applied with the new tree in one.

Catching up, a batch's signatures are checked together, and the next batch
is read from the ledger, parsed and its signatures checked (under the keys in
force once this one's rotations are followed) while this one is written. The
size of the newest checkpoint is recorded before anything of it is shown, so
that the read model is known to lag until it holds that much (alerts wait
for it). Two notifiers
on one database each extend the tree only from the size they locked, so
neither applies an entry the other did.
"""

import gc
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NamedTuple

from prometheus_client import Gauge
from sqlalchemy import Engine, select
from sqlmodel import Session, col

from notifier.ingest import admission, quarantine, sequence, service, staging, tree
from notifier.ingest.logkeys import LogKeys
from notifier.ingest.readahead import ReadAhead
from notifier.ingest.reader import Leaf, LedgerError, LedgerReader, UnwitnessedError
from notifier.ingest.service import WITHHELD, Item
from notifier.ingest.staging import Announced
from notifier.ingest.withholding import unnoticed
from notifier.publish.models import LoggedEntry
from notifier.trust import Trust
from periplus import collector, db
from periplus.events import EventRejectedError, parse_envelope
from periplus.follower import Backoff, FetchError, Follower, NotYetError
from periplus.kafka import Record
from periplus.merkle import CompactRange, verify_consistency
from periplus.note import Checkpoint, NoteError
from periplus.sources import ROTATION
from periplus.tiles import WIDTH

log = logging.getLogger(__name__)

VERIFIED_SIZE = Gauge("notifier_verified_tree_size", "Entries of the log verified and applied")

# Rounds of a catch-up between two runs of the cycle collector, paused meanwhile: a batch
# makes hundreds of thousands of short-lived objects, freed by reference counting, and
# few cycles (about a thousand objects a batch). Left to run between rounds, the
# collector walked what was alive at each round's end (the next batch, read ahead) as it
# aged, generation by generation: about 3 % of a catch-up's CPU. Every 40 rounds (100,000
# entries), what cycles the rounds left are collected, so a catch-up of millions holds
# few at once.
COLLECT_ROUNDS = 40

# Entries verified and applied per transaction. A catch-up's cost per batch (its
# statements, the index pages each touches, its commit) is spread over more entries
# than at 1,000 (12 % less CPU a entry), for about 75 MB more held at once, as the
# next batch is read while this one is written. Ten entry bundles: a catch-up from the
# start reads each bundle whole, and once.
BATCH = 10 * WIDTH

Found = tuple[CompactRange, list[Leaf]]
Refused = list[tuple[Leaf, str]]  # with the reason
OutOfSequence = list[tuple[Leaf, str, str]]  # with the source and the reason


class Admitted(NamedTuple):
    """A batch's entries to show, those refused, and those refused for their seq (an alarm),
    with the seqs shown as they extend them."""

    shown: list[Item]
    refused: Refused
    out_of_sequence: OutOfSequence
    order: sequence.Order


class Batch(NamedTuple):
    """Entries that extend the verified tree, checked and ready to apply."""

    found: Found
    admitted: Admitted
    announced: dict[int, list[Announced]]
    note: str
    signed_size: int


class Ingestor:
    def __init__(
        self,
        engine: Engine,
        ledger: LedgerReader,
        trust: Trust,
        batch: int = BATCH,
        backoff: Backoff | None = None,
    ) -> None:
        self.engine, self.ledger, self.trust, self.batch = engine, ledger, trust, batch
        self.log_keys = LogKeys(trust, ledger.rotations, engine)
        backoff = backoff or Backoff("ledger", first=0.5, most=5.0)
        self.follower = Follower(engine, backoff, around=self._round)
        self._rounds = 0
        self._signed_seen = -1  # the newest signed size recorded since start
        self._ahead = ReadAhead(ledger, trust)
        self._lock = threading.Lock()  # one catch-up at a time: each extends the tree it read
        self.on_shown: list[Callable[[], None]] = []
        """Called after a catch-up that showed entries, once the read model has caught up;
        on a thread of their own, one round at a time (``_tell``)."""
        self._telling = threading.Lock()  # over the next two
        self._told_running, self._told_again = False, False

    def prepare(self, records: list[Record]) -> list[staging.Read]:
        """The consumer's first step, outside the transaction: parse and hash."""
        return staging.read(records)

    def handle(self, session: Session, items: list[staging.Read]) -> None:
        """The consumer's second step: stage the announcements as hints."""
        staging.stage(session, items, tree.load(session.connection()).size)

    def waiting(self) -> bool:
        """Whether announced entries wait for a checkpoint, or the ledger for its first
        witnessed one: either way, the next is read soon."""
        if self.follower.backoff.pending(LedgerFeed.name) is not None:
            return True
        with db.reading(self.engine) as connection:
            return staging.waiting(connection, tree.load(connection).size)

    @property
    def signed_size(self) -> int | None:
        """The size of the newest checkpoint read that passed the trust policy, since start."""
        return None if self._signed_seen < 0 else self._signed_seen

    def load_rotations(self) -> None:
        """Follow the key rotations shown already, so that a restart knows every key in force."""
        with db.reading(self.engine) as connection:
            events = connection.execute(
                select(col(LoggedEntry.event))
                .where(col(LoggedEntry.type) == ROTATION)
                .order_by(col(LoggedEntry.index))
            ).scalars()
            for event in events:
                try:
                    self.trust.sources.follow(parse_envelope(event))
                except EventRejectedError as exc:
                    log.warning(
                        "a rotation shown before no longer verifies", extra={"error": str(exc)}
                    )

    def catch_up(self, rounds: int | None = None) -> int:
        """Show what the ledger's latest checkpoint commits to and passes, in at most
        ``rounds`` batches (all it takes by default); return how many were shown."""
        with self._lock, collector.paused():
            try:
                shown = self.follower.catch_up(LedgerFeed(self), rounds)
            finally:
                self._ahead.forget()  # read afresh next time: an entry may be withheld meanwhile
        if shown and self.on_shown:
            self._tell()
        return shown

    @contextmanager
    def _round(self) -> Iterator[None]:
        """One round of a catch-up; after every ``COLLECT_ROUNDS``, the cycles left collected."""
        yield
        self._rounds += 1
        if self._rounds % COLLECT_ROUNDS == 0:
            gc.collect()

    def _tell(self) -> None:
        """Call ``on_shown`` if the read model has caught up (far behind, what it shows is
        soon old), on a thread of its own so that a long call (the yearbook's recount on a
        new day) never holds ingestion; a round asked for while one runs is made once after
        it. A failure there is logged, and never stops ingestion."""
        try:
            with db.reading(self.engine) as connection:
                if not tree.caught_up(connection):
                    return
        except Exception:
            log.exception("cannot tell whether the read model has caught up")
            return
        with self._telling:
            if self._told_running:
                self._told_again = True
                return
            self._told_running = True
        try:
            threading.Thread(target=self._tell_all, name="notifier-on-shown", daemon=True).start()
        except RuntimeError:  # no thread to be had: the next catch-up that shows entries tries
            with self._telling:
                self._told_running = False
            log.exception("cannot start the followers of the entries shown")

    def _tell_all(self) -> None:
        while True:
            for call in self.on_shown:
                try:
                    call()
                except Exception:
                    log.exception(
                        "a follower of the entries shown failed", extra={"call": repr(call)}
                    )
            with self._telling:
                if not self._told_again:
                    self._told_running = False
                    return
                self._told_again = False

    def _signed(self) -> tuple[str, Checkpoint] | None:
        """The ledger's checkpoint if it passes the trust policy, its size recorded."""
        try:
            note = self.ledger.checkpoint()
        except UnwitnessedError as exc:
            raise NotYetError(str(exc)) from exc  # asked again soon, and no outage
        except LedgerError as exc:
            raise FetchError(str(exc)) from exc
        try:
            signed = self.log_keys.verify(note)
        except LedgerError as exc:
            raise FetchError(str(exc)) from exc
        except NoteError as exc:
            self._alarm("policy", f"the checkpoint fails the trust policy: {exc}", note)
            return None
        self._saw(signed.size)
        return note, signed

    def _next(self, verified: CompactRange, note: str, signed: Checkpoint) -> Batch | None:
        """The batch that extends the verified tree towards the checkpoint, checked; None
        when the tree has reached it or the ledger's answers raise an alarm."""
        with db.reading(self.engine) as connection:
            end = min(signed.size, verified.size + self.batch)
            announced = staging.between(connection, verified.size, end, 4 * self.batch)
        if signed.size < verified.size:
            reason = (
                f"the checkpoint of size {signed.size} is smaller than "
                f"the tree of size {verified.size} verified already"
            )
            self._alarm("rollback", reason, note)
            return None
        if signed.size == verified.size:
            if signed.root != verified.root():
                reason = f"the checkpoint of size {signed.size} signs another root than ours"
                self._alarm("fork", reason, note)
            return None
        try:
            found = self._extend(verified, end, signed, announced)
        except LedgerError as exc:
            raise FetchError(str(exc)) from exc
        if found is None:
            reason = (
                f"the ledger's entries {verified.size}..{end - 1} do not hash to the "
                f"root that its checkpoint of size {signed.size} signs"
            )
            self._alarm("unreached", reason, note)
            return None
        try:
            admitted = self._admit(found[1], signed)
        except LedgerError as exc:  # reading a withholding's notice
            raise FetchError(str(exc)) from exc
        if not all(i in announced for i in range(verified.size, end)):
            # Catching up: the next batch is read, parsed and its signatures checked
            # while this one is written; after this one's rotations are followed, so
            # under the keys in force after it.
            self._ahead.start(end, min(signed.size, end + self.batch))
        return Batch(found, admitted, announced, note, signed.size)

    def _extend(
        self,
        verified: CompactRange,
        end: int,
        signed: Checkpoint,
        announced: dict[int, list[Announced]],
    ) -> Found | None:
        """The leaves ``[verified.size, end)`` that reach the signed root, and the tree they make.

        The announced leaves are tried first; where one is missing or they do
        not reach the root, the ledger's own are read, and count only if they do.
        """
        proof: list[bytes] | None = None

        def reaches(grown: CompactRange) -> bool:
            nonlocal proof
            if grown.size == signed.size:
                return grown.root() == signed.root
            if proof is None:  # the same for either set of leaves: read once
                proof = self.ledger.consistency(grown.size, signed.size)
            return verify_consistency(grown.size, signed.size, grown.root(), signed.root, proof)

        indices = range(verified.size, end)
        # Announced bytes only in a batch that reaches the checkpoint: a withholding that the
        # log notes up to it is then applied with them, in one transaction. Further behind (a
        # rebuild, a long lag), an old announcement may carry bytes the ledger withholds now.
        if end == signed.size and all(i in announced for i in indices):
            first = [announced[i][0] for i in indices]
            leaves = [Leaf(a.index, a.leaf_hash, a.leaf) for a in first]
            grown = tree.extended(verified, (a.leaf_hash for a in first))
            if reaches(grown):
                return grown, leaves
        leaves = self._ahead.entries(verified.size, end)
        grown = tree.extended(verified, (leaf.hash for leaf in leaves))
        return (grown, leaves) if reaches(grown) else None

    def _admit(self, leaves: list[Leaf], signed: Checkpoint) -> Admitted:
        """The entries to show and those refused with the reason; the keys that rotations
        among them name are followed. A withheld entry is shown as such only where the
        ledger's signed notice, in the signed tree, names it; an entry only at its source's
        next seq (``notifier.ingest.sequence``)."""
        shown: list[Item] = []
        refused: Refused = []
        out_of_sequence: OutOfSequence = []
        order = sequence.load(self.engine, self.trust.ledger_source)
        present = [(leaf.index, leaf.leaf) for leaf in leaves if leaf.leaf is not None]
        ahead, checked = self._ahead.take()
        reads: list[admission.Read] = []
        for index, raw in present:
            made = ahead.get(index)
            if made is not None and made[0] == raw:
                reads.append(made[1])
            else:
                reads.append(admission.read(self.trust, raw))
                checked.pop(index, None)
        admitted = admission.admit_many(self.trust, present, reads, checked)
        verdicts = dict(zip((index for index, _ in present), admitted, strict=True))
        for leaf in leaves:
            verdict = verdicts.get(leaf.index)
            if verdict is None:
                why = unnoticed(self.ledger, self.trust, leaf, signed, verdicts)
                if why is None:
                    shown.append((leaf.index, {WITHHELD: {}}))  # its signed notice says why
                    order.withhold()
                else:
                    refused.append((leaf, why))
            elif isinstance(verdict, EventRejectedError):
                refused.append((leaf, str(verdict)))
                order.hold(self.trust, leaf.leaf)
            elif (why := order.take(verdict)) is not None:
                out_of_sequence.append((leaf, str(verdict["source"]), why))
            else:
                shown.append((leaf.index, verdict))
        return Admitted(shown, refused, out_of_sequence, order)

    def _apply(self, session: Session, start: int, batch: Batch) -> int:
        """Quarantine what differs or fails, show the rest, and store the new tree, at once;
        the follower commits."""
        (grown, leaves), (shown, refused, out_of_sequence, order) = batch.found, batch.admitted
        if tree.lock(session) != start or order.changed(session):
            return 0  # another process extended the tree, or accepted a gap, meanwhile; read again
        held = {leaf.index: leaf.hash for leaf in leaves}
        for a in (a for each in batch.announced.values() for a in each):
            if a.leaf_hash == held[a.index]:
                continue
            reason = (
                f"differs from entry {a.index}, which the checkpoint "
                f"of size {batch.signed_size} commits to"
            )
            quarantine.entry(session, "announcement", reason, a.leaf, a.origin, a.index)
        origin = f"{self.ledger.base_url}/v1/log/entries"
        for leaf, reason in refused:
            quarantine.entry(session, "entry", reason, leaf.leaf or b"", origin, leaf.index)
        for leaf, source, reason in out_of_sequence:
            raw = leaf.leaf or b""
            quarantine.out_of_sequence(session, source, reason, raw, origin, leaf.index)
        order.save(session)
        applied = service.apply(session, shown, origin)
        tree.save(session, grown, batch.note)
        staging.discard(session, grown.size)
        VERIFIED_SIZE.set(grown.size)
        return applied

    def _saw(self, signed_size: int) -> None:
        """Record, before anything of it is shown, how far the ledger has signed: until the
        read model holds that much it lags, and raises no alerts."""
        if signed_size <= self._signed_seen:
            return
        with Session(self.engine) as session:
            tree.saw(session, signed_size)
            session.commit()
        self._signed_seen = signed_size

    def _alarm(self, problem: quarantine.Problem, reason: str, note: str) -> None:
        with Session(self.engine) as session:
            origin = f"{self.ledger.base_url}/v1/log/checkpoint"
            quarantine.checkpoint(session, problem, reason, note, origin)
            session.commit()


class LedgerFeed:
    """The ledger as a feed of ``periplus.follower``: the position is the verified tree,
    and the checkpoint to extend it towards is read at the first fetch, and again if the
    tree has grown past it: another notifier on this database may have extended the tree
    towards a newer checkpoint between two rounds, and only a checkpoint read after the
    tree can show that the ledger rolled back.
    """

    name = "ledger"

    def __init__(self, ingestor: Ingestor) -> None:
        self.ingestor = ingestor
        self._read = False
        self._signed: tuple[str, Checkpoint] | None = None

    def position(self) -> CompactRange:
        with db.reading(self.ingestor.engine) as connection:
            return tree.load(connection)

    def fetch(self, verified: CompactRange) -> Batch | None:
        if not self._read or self._passed(verified):
            self._signed, self._read = self.ingestor._signed(), True
        if self._signed is None:
            return None
        return self.ingestor._next(verified, *self._signed)

    def apply(self, session: Session, verified: CompactRange, batch: Batch) -> tuple[int, bool]:
        return self.ingestor._apply(session, verified.size, batch), True

    def _passed(self, verified: CompactRange) -> bool:
        """Whether the tree has grown past the checkpoint read."""
        return self._signed is not None and self._signed[1].size < verified.size
