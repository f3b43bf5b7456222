"""The ledger's public notices, as ``/notices`` says them: each decision of the log's
operators that is itself an entry (``entry.withheld``, ``source.seq_resolved``), in the
reader's words. The operator's own reason is quoted as the notice states it; what the
notifier can tell from the notice (which entry, which seq, whether it ever arrived) is
said in the reader's language."""

import re
from dataclasses import dataclass, field
from typing import Any

from notifier.i18n import vocabulary
from notifier.i18n.words import words
from notifier.publish import present
from notifier.publish.models import LoggedEntry, TripView
from periplus.events import SEQ_RESOLVED, WITHHELD

# What the ledger writes first in the reason of a seq that never came
# (``ledger.ingest.resolve``), then the operator's own words.
DENIED = re.compile(r"seq \d+ never arrived; .+?, asked for it, does not have it\. ")
MISSING = re.compile(r"seq \d+ never arrived; missing since (\S+)\. ")
TYPES = (WITHHELD, SEQ_RESOLVED)


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
