"""The facts a trip page shows for each ledger entry, marked so the browser can check them.

Each fact names where its value sits in the signed event and carries the raw
value the page formatted, so the *verify* button can compare what the reader
sees with the verified leaf and name any difference in the reader's words.
"""

from dataclasses import dataclass
from typing import Any

from notifier.i18n.locale import Formats
from notifier.i18n.vocabulary import FACT, FIELD, FOLLOWUP
from notifier.i18n.words import words
from notifier.publish.models import LoggedEntry

# name -> (path in the event, how the value is shown)
SPECS = {
    "type": ("type", "type"),
    "trip_id": ("trip_id", "id"),
    "occurred_at": ("occurred_at", "time"),
    "title": ("data.trip.title", "text"),
    "departure": ("data.trip.departure_date", "date"),
    "return": ("data.trip.return_date", "date"),
    "budget_total": ("data.trip.budget_total", "money"),
    "city_share": ("data.trip.city_share", "money"),
    "reason": ("data.reason", "text"),
    "withheld_index": ("data.index", "number"),
    "legal_basis": ("data.legal_basis", "text"),
    "actual_total": ("data.actual_total", "money"),
    "actual_city": ("data.city_share", "money"),
    "filed_on": ("data.report.filed_on", "date"),
    "summary": ("data.report.summary", "text"),
    "commitment": ("data.followup.commitment", "text"),
    "followup_status": ("data.followup.status", "followup"),
    "fields": ("data.fields", "list"),
}
_TRIP = ("title", "departure", "return", "budget_total", "city_share")
SHOWN = {
    "trip.approved": _TRIP,
    "trip.amended": (*_TRIP, "reason"),
    "trip.corrected": (*_TRIP, "reason"),
    "trip.cancelled": ("reason",),
    "trip.completed": ("actual_total", "actual_city"),
    "trip.reported": ("filed_on", "summary"),
    "followup.updated": ("commitment", "followup_status"),
    "entry.withheld": ("withheld_index", "reason", "legal_basis"),
    "trip.change_pending": ("fields", "reason"),
    "trip.change_rejected": ("fields", "reason"),
}
TRIP_TYPES = ("trip.approved", "trip.amended", "trip.corrected")


@dataclass(frozen=True)
class Fact:
    path: str
    value: Any
    shown: str
    label: str
    """Beside the value, as a short heading."""
    phrase: str
    """Inside a sentence of the verdict: "the page shows <phrase> as ..."."""
    kind: str
    entry: int | None = None
    """The entry it comes from, when shown outside that entry's timeline row."""


def _lookup(event: dict[str, Any], path: str) -> Any:
    value: Any = event
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _shown(kind: str, value: Any, lang: str) -> str:
    fmt = Formats(lang)
    if kind == "date":
        return fmt.date(value, "medium")
    if kind == "money":
        return fmt.money(value)
    if kind == "followup":
        return words(lang).coded(FOLLOWUP, value)
    if kind == "list" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def fact(
    name: str, event: dict[str, Any], lang: str, entry: int | None = None, path: str | None = None
) -> Fact | None:
    """The fact ``name`` of ``event`` as the page shows it, or None if the event lacks it;
    ``path``, where the event holds it if not where its kind of entry does."""
    spec_path, kind = SPECS[name]
    path = path or spec_path
    value = _lookup(event, path)
    if value is None or value == "":
        return None
    return Fact(
        path=path,
        value=value,
        shown=_shown(kind, value, lang),
        label=words(lang).word(FIELD[name]),
        phrase=words(lang).word(FACT[name]),
        kind=kind,
        entry=entry,
    )


def of_entry(entry: LoggedEntry, lang: str) -> list[Fact]:
    """The facts a timeline row shows beside the entry's kind and time."""
    found = (fact(name, entry.event, lang) for name in SHOWN.get(entry.type, ()))
    return [f for f in found if f is not None]


def sources(entries: list[LoggedEntry]) -> dict[str, int]:
    """Which entry the trip's current snapshot and actual costs come from."""
    found: dict[str, int] = {}
    for entry in entries:
        data = entry.event.get("data")
        if not isinstance(data, dict):
            continue
        if entry.type in TRIP_TYPES and isinstance(data.get("trip"), dict):
            found["trip"] = entry.index
        elif entry.type == "trip.approved":
            found.pop("trip", None)  # an older flat trip: its values are not where the page's are
        if entry.type == "trip.completed" or (
            entry.type == "trip.corrected" and isinstance(data.get("completed"), dict)
        ):
            found["completed"] = entry.index
    return found


def actual_total(
    entries: list[LoggedEntry], completed: dict[str, Any], lang: str, at: int | None
) -> Fact | None:
    """The actual total as the page shows it, where the entry it comes from holds it: a
    completion's ``data``, or a correction's ``data.completed``."""
    corrected = any(e.index == at and e.type == "trip.corrected" for e in entries)
    if corrected:
        event = {"data": {"completed": completed}}
        return fact("actual_total", event, lang, at, "data.completed.actual_total")
    return fact("actual_total", {"data": completed}, lang, at)
