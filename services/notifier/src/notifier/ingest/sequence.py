"""Each source's events are shown in the order it numbered them, and none is left out.

The signed tree proves what the ledger logged and a source's signature what the city
said; neither proves that the city said nothing since. Someone who controls the ledger's
database, not its key, can append again the bytes of an event a city signed long ago (the
trip's page would go back to it), or leave one out and log the next: the ledger signs
whatever tree its database holds, and witnesses cosign a log that only grows. Each source
numbers its events (``seq``), gapless from 1, so an entry is shown only at its source's
next seq, or past seqs that the ledger's own public ``source.seq_resolved`` notices passed
or that withheld entries may hold: the rule of ``periplus.checks.Sequences``, which
``ledger verify`` applies to the whole log. An entry older than the last shown, or past a
seq nothing accounts for, is quarantined, an alarm; after a seq left out, so is every
later entry of its source, whose record would lack an event the source signed.

A ledger notice or a key rotation is its source's next seq like any event: the ledger's
notices are numbered under its own source. A withheld entry's seq is not known, its bytes
being gone; the entries that withheld entries may account for are counted as
``ledger verify`` counts them. The state is read once a batch and written once with it.
"""

from collections.abc import Callable
from typing import Any, NamedTuple

from sqlalchemy import Connection, Engine, func, select
from sqlmodel import Session, col
from sqlmodel import select as select_rows

from notifier.ingest.models import SourceSeq
from notifier.publish.models import LoggedEntry
from notifier.trust import Trust
from periplus import db
from periplus.checks import Sequences
from periplus.events import SEQ_RESOLVED, EventRejectedError, parse_envelope

WITHHELD = "withheld"


class Order:
    """The seqs shown so far, as one batch extends them; ``save`` writes them with it."""

    def __init__(self, rows: list[SourceSeq], own: str, withheld: Callable[[], int]) -> None:
        self._rows = {row.source: row for row in rows}
        self._seqs = Sequences(
            {own},
            last={row.source: row.last_seq for row in rows},
            passed={(row.source, n) for row in rows for n in row.passed},
            lacking={row.source: row.lacking for row in rows},
        )
        self._count_withheld: Callable[[], int] | None = withheld
        self._loaded = {_state(row) for row in rows}
        self.refused: dict[str, list[str]] = {}
        """Per source, why each of its entries in this batch was refused."""

    def take(self, event: dict[str, Any]) -> str | None:
        """Take an admitted entry as its source's next seq; or, taking nothing, say why not."""
        source, seq = str(event["source"]), int(event["seq"])
        why = self._seqs.take(source, seq)
        if why is not None and self._count_withheld is not None:
            # Rare: a seq skipped. Only then are the withheld entries shown before counted.
            self._seqs.withheld += self._count_withheld()
            self._count_withheld = None
            why = self._seqs.take(source, seq)
        if why is not None:
            self.refused.setdefault(source, []).append(why)
            return why
        data = event.get("data")
        if event.get("type") == SEQ_RESOLVED and isinstance(data, dict):
            passed = data.get("seq")
            if isinstance(passed, int) and not isinstance(passed, bool):
                self._seqs.passed.add((str(data.get("source")), passed))
        return None

    def withhold(self) -> None:
        """A withheld entry read in this batch, shown as withheld: it holds one seq."""
        self._seqs.withheld += 1

    def hold(self, trust: Trust, leaf: bytes | None) -> None:
        """An entry refused (its form, text or signature) is still the ledger's record of
        the seq it claims, if it is its source's next: the refusal is listed, and the later
        entries are shown. One that claims another seq is refused already."""
        if leaf is None:
            return
        try:
            envelope = parse_envelope(leaf, logged=True)
        except EventRejectedError:
            return
        if envelope.source in trust.sources:
            self._seqs.take(envelope.source, envelope.seq)

    def changed(self, session: Session) -> bool:
        """Whether the seqs kept changed since they were read, other than by a batch (which
        moves the verified tree too): by this site's operator accepting a gap (``gaps``)."""
        rows = session.exec(select_rows(SourceSeq)).all()
        return {_state(row) for row in rows} != self._loaded

    def save(self, session: Session) -> None:
        """Write the sources whose seqs changed, with the alarms; the caller commits."""
        seqs = self._seqs
        for source, last in seqs.last.items():
            row = self._rows.get(source) or SourceSeq(source=source, last_seq=0)
            passed = sorted(n for s, n in seqs.passed if s == source and n > last)
            refused = self.refused.get(source, [])
            lacking = seqs.lacking.get(source, 0)
            if (row.last_seq, row.lacking, row.passed) == (last, lacking, passed) and not refused:
                continue
            row.last_seq, row.lacking, row.passed = last, lacking, passed
            if refused:
                row.refused += len(refused)
                row.reason = refused[-1][:1000]
            session.merge(row)
        for source in self.refused.keys() - seqs.last.keys():  # refused before any shown
            row = self._rows.get(source) or SourceSeq(source=source, last_seq=0)
            row.refused += len(self.refused[source])
            row.reason = self.refused[source][-1][:1000]
            session.merge(row)


def _state(row: SourceSeq) -> tuple[object, ...]:
    return (row.source, row.last_seq, row.lacking, tuple(row.passed), row.refused, row.released)


def load(engine: Engine, own: str) -> Order:
    """The seqs shown so far; ``own`` is the ledger's own source."""
    with db.reading(engine) as connection:
        found = connection.execute(select(SourceSeq)).mappings()
        rows = [SourceSeq.model_validate(dict(row)) for row in found]

    def withheld() -> int:
        with db.reading(engine) as connection:
            return count_withheld(connection)

    return Order(rows, own, withheld)


def count_withheld(connection: Connection) -> int:
    """The entries shown as withheld, each of which may hold one seq."""
    query = select(func.count()).where(col(LoggedEntry.type) == WITHHELD)
    return int(connection.execute(query).scalar_one())


class Alarm(NamedTuple):
    """A source with entries refused for their seq: how many, and why the last was."""

    source: str
    last_seq: int
    refused: int
    reason: str


def alarmed(connection: Connection) -> list[Alarm]:
    """The sources with entries refused for their seq that no decision of this site's
    operator showed since (``gaps``), for ``/readyz``."""
    query = (
        select(
            col(SourceSeq.source),
            col(SourceSeq.last_seq),
            col(SourceSeq.refused),
            col(SourceSeq.reason),
        )
        .where(col(SourceSeq.refused) > col(SourceSeq.released))
        .order_by(col(SourceSeq.source))
    )
    return [Alarm(*row) for row in connection.execute(query)]


def history(connection: Connection) -> tuple[int, int]:
    """How many entries were refused for their seq so far, and how many of them this
    site's operator showed since (``gaps``)."""
    query = select(func.sum(col(SourceSeq.refused)), func.sum(col(SourceSeq.released)))
    refused, released = connection.execute(query).one()
    return int(refused or 0), int(released or 0)
