"""The ledger's next batch, read while this one is written.

Catching up, the next batch is read from the ledger, its envelopes parsed and its
signatures checked on a thread of its own (the database and libsodium let go of the
interpreter meanwhile); under the keys in force once this batch's rotations are
followed, since it is started only after they are.
"""

from concurrent.futures import Future, ThreadPoolExecutor

from notifier.ingest import admission
from notifier.ingest.reader import Leaf, LedgerReader
from notifier.trust import Trust

Reads = dict[int, tuple[bytes, admission.Read]]  # by index: the leaf, and what it reads as
Ahead = tuple[list[Leaf], Reads, dict[int, admission.Checked]]


class ReadAhead:
    """One batch of the ledger's entries read ahead, and what the last one taken read as."""

    def __init__(self, ledger: LedgerReader, trust: Trust) -> None:
        self.ledger, self.trust = ledger, trust
        self._reader = ThreadPoolExecutor(1, thread_name_prefix="ledger-reader")
        self._ahead: tuple[int, int, Future[Ahead]] | None = None
        # Of the entries read ahead: their envelopes, and their signatures as checked then.
        self._reads: Reads = {}
        self._checked: dict[int, admission.Checked] = {}

    def forget(self) -> None:
        """Drop what was read ahead, to read afresh: an entry may be withheld meanwhile."""
        self._ahead = None
        self._reads, self._checked = {}, {}

    def start(self, start: int, end: int) -> None:
        """Begin reading the entries ``[start, end)``, if there are any."""
        if start < end:
            self._ahead = (start, end, self._reader.submit(self._fetch, start, end))

    def entries(self, start: int, end: int) -> list[Leaf]:
        """The ledger's entries ``[start, end)``: those read ahead if they are these."""
        ahead, self._ahead = self._ahead, None
        if ahead is not None and ahead[:2] == (start, end):
            leaves, self._reads, self._checked = ahead[2].result()
            return leaves
        return self.ledger.entries(start, end)

    def take(self) -> tuple[Reads, dict[int, admission.Checked]]:
        """What the entries last taken read as, and their signatures as checked; once."""
        reads, self._reads = self._reads, {}
        checked, self._checked = self._checked, {}
        return reads, checked

    def _fetch(self, start: int, end: int) -> Ahead:
        """Entries read ahead, their envelopes parsed and their signatures checked while the
        batch before is written (the database and libsodium let go of the interpreter)."""
        leaves = self.ledger.entries(start, end)
        reads = {
            leaf.index: (leaf.leaf, admission.read(self.trust, leaf.leaf))
            for leaf in leaves
            if leaf.leaf is not None
        }
        checked = admission.check_ahead(self.trust, [(i, r) for i, (_, r) in reads.items()])
        return leaves, reads, checked
