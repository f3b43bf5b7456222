"""The public decisions, as ``/notices`` says them: each decision of the log's operators
that is itself an entry (``entry.withheld``, ``source.seq_resolved``), and each gap in the
log that this site's operator accepted (``notifier.ingest.gaps``), in the reader's words.
The operator's own reason is quoted as stated; what the notifier can tell from the
decision (which entry, which seq, whether it ever arrived) is said in the reader's
language."""

import re
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from notifier.i18n import vocabulary
from notifier.i18n.words import words
from notifier.ingest.models import GapAccepted
from notifier.publish import present
from notifier.publish.models import LoggedEntry, TripView
from periplus.events import SEQ_RESOLVED, WITHHELD

# What the ledger writes first in the reason of a seq that never came
# (``ledger.ingest.resolve``), then the operator's own words.
DENIED = re.compile(r"seq \d+ never arrived; .+?, asked for it, does not have it\. ")
MISSING = re.compile(r"seq \d+ never arrived; missing since (\S+)\. ")
TYPES = (WITHHELD, SEQ_RESOLVED)
GAP = "gap.accepted"  # this site's decision, not an entry: its ``data-type`` on the page


@dataclass(frozen=True)
class Shown:
    """One notice on the page: what was decided, when, and the facts it states."""

    index: int
    type: str
    headline: str
    occurred_at: str
    when: str
    sentence: str
    facts: list[tuple[str, str]] = field(default_factory=list)
    trip_href: str | None = None
    trip_name: str = ""
    anchor: str = ""
    """Its id on the page; ``entry-<index>`` but for a gap accepted."""

    def __post_init__(self) -> None:
        if not self.anchor:
            object.__setattr__(self, "anchor", f"entry-{self.index}")


def shown(entry: LoggedEntry, trips: dict[str, TripView], lang: str) -> Shown:
    """``entry``, a notice of the ledger's, in the reader's words."""
    data = entry.event.get("data")
    data = data if isinstance(data, dict) else {}
    common: dict[str, Any] = {
        "index": entry.index,
        "type": entry.type,
        "headline": words(lang).coded(vocabulary.EVENT, entry.type),
        "occurred_at": entry.occurred_at,
        "when": present.when(entry.occurred_at, lang),
    }
    if entry.type == WITHHELD:
        return _withheld(common, data, trips.get(entry.trip_id), lang)
    return _passed(common, data, lang)


def _withheld(
    common: dict[str, Any], data: dict[str, Any], trip: TripView | None, lang: str
) -> Shown:
    said = words(lang)
    held = data.get("index")
    sentence = said.gettext(
        "Entry {index} was withheld under law: its content is no longer shown, here or by"
        " the ledger; its hash stays in the log, so the log still verifies.",
        index=held if isinstance(held, int) else "?",
    )
    facts = [
        (said.word(vocabulary.FIELD["reason"]), _text(data.get("reason"))),
        (said.word(vocabulary.FIELD["legal_basis"]), _text(data.get("legal_basis"))),
    ]
    if trip is None:
        return Shown(**common, sentence=sentence, facts=facts)
    anchor = f"#entry-{held}" if isinstance(held, int) else ""
    name = f"{trip.reference}: {trip.title}" if trip.reference else trip.trip_id
    href = f"/trips/{trip.trip_id}?lang={lang}{anchor}"
    return Shown(**common, sentence=sentence, facts=facts, trip_href=href, trip_name=name)


def _passed(common: dict[str, Any], data: dict[str, Any], lang: str) -> Shown:
    said = words(lang)
    reason = _text(data.get("reason"))
    sentence = said.gettext(
        "The log moved past event {seq} of {source}: it logs the source's later events without it.",
        seq=_text(data.get("seq")),
        source=_text(data.get("source")),
    )
    if denied := DENIED.match(reason):
        why = said.gettext(
            "The event never arrived: the source, asked for it, answered that it does not have it."
        )
        reason = reason[denied.end() :]
    elif missing := MISSING.match(reason):
        why = said.gettext(
            "The event never arrived: it was missing since {when}.",
            when=present.when(missing.group(1), lang),
        )
        reason = reason[missing.end() :]
    else:
        why = said.gettext("The event arrived, but the ledger could not log it.")
    facts = [(said.gettext("Reason given by the operator"), reason.strip())]
    return Shown(**common, sentence=f"{sentence} {why}", facts=facts)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def gap(decision: GapAccepted, lang: str) -> Shown:
    """A gap this site's operator accepted, in the reader's words: listed at the first
    entry it showed again."""
    said = words(lang)
    moment = decision.decided_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    first, last = decision.after_seq + 1, decision.next_seq - 1
    seqs = str(first) if first == last else f"{first}–{last}"
    sentence = said.gettext(
        "This site went on past a gap in the ledger's log that no public notice explains:"
        " the log holds no event {seqs} of {source}, and no notice of the ledger's says it"
        " moved past it. From event {next} (entry {index}) on, this site shows the"
        " source's events again.",
        seqs=seqs,
        source=decision.source,
        next=decision.next_seq,
        index=decision.first_index,
    )
    return Shown(
        index=decision.first_index,
        type=GAP,
        headline=said.gettext("This site went on past a gap in the log"),
        occurred_at=moment,
        when=present.when(moment, lang),
        sentence=sentence,
        facts=[(said.gettext("Reason given by this site's operator"), decision.reason)],
        anchor=f"gap-{decision.first_index}",
    )


def page(
    listed: list[LoggedEntry], gaps: list[tuple[GapAccepted, int]], start: int, count: int
) -> list[LoggedEntry | GapAccepted]:
    """The decisions at places ``[start, start + count)`` of the whole list, newest first,
    a gap accepted just before the first entry it showed again: ``gaps`` are every gap
    accepted, newest first, each with how many notices are newer; ``listed`` the notices
    from the first one at or after ``start`` that no gap precedes (``first_notice``)."""
    placed = [(n + rank, decision) for rank, (decision, n) in enumerate(gaps)]
    here = [decision for at, decision in placed if start <= at < start + count]
    found: list[LoggedEntry | GapAccepted] = [*here, *listed]
    found.sort(key=_place, reverse=True)
    return found[:count]


def first_notice(gaps: list[tuple[GapAccepted, int]], start: int) -> int:
    """How many notices come before place ``start`` of the whole list."""
    before = sum(1 for rank, (_, n) in enumerate(gaps) if n + rank < start)
    return start - before


def _place(found: LoggedEntry | GapAccepted) -> tuple[int, int]:
    if isinstance(found, GapAccepted):
        return found.first_index, 1
    return found.index, 0
