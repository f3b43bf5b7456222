"""What the channels keep of each trip (facets, status, report date, follow-ups), a batch
at a time: the batch's trips are read in one query, folded in memory, written back
with one statement per table."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlmodel import Session

from notifier.channels import repository
from notifier.ingest.fold import STATUS_AFTER

SNAPSHOT_TYPES = frozenset({"trip.approved", "trip.amended", "trip.corrected"})
TRIP_COLUMNS = ("reference", "title", "status", "departments", "sdg_goals", "report_due")


@dataclass
class Watched:
    """A trip as the channels see it while a batch is folded into it."""

    trip_id: str
    reference: str = ""
    title: str = ""
    status: str = "approved"
    departments: list[str] = field(default_factory=list)
    sdg_goals: list[int] = field(default_factory=list)
    report_due: str | None = None

    def row(self) -> dict[str, Any]:
        return {"trip_id": self.trip_id, **{c: getattr(self, c) for c in TRIP_COLUMNS}}


@dataclass
class Batch:
    """The trips and follow-ups one batch of entries changes."""

    trips: dict[str, Watched]
    followups: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)

    def watch(self, trip_id: str, type_: str, data: dict[str, Any]) -> Watched:
        """Keep the trip's facets, status, report date and follow-ups as the entry states them."""
        trip = self.trips.get(trip_id)
        if trip is None:
            trip = self.trips[trip_id] = Watched(trip_id)
        if type_ in SNAPSHOT_TYPES:
            nested = data.get("trip")
            snapshot: dict[str, Any] = nested if isinstance(nested, dict) else data
            trip.reference = str(snapshot.get("reference") or trip.reference)[:40]
            trip.title = str(snapshot.get("title") or trip.title)[:200]
            trip.departments = [str(d)[:200] for d in _list(snapshot.get("departments"))][:50]
            trip.sdg_goals = [g for g in _list(snapshot.get("sdg_goals")) if isinstance(g, int)][
                :17
            ]
            if snapshot.get("report_due"):
                trip.report_due = str(snapshot["report_due"])[:10]
        elif data.get("reference") and not trip.reference:
            trip.reference = str(data["reference"])[:40]
        trip.status = STATUS_AFTER.get(type_, trip.status)
        followups = _list(data.get("followups")) if type_ == "trip.reported" else []
        if type_ == "followup.updated":
            followups = [data.get("followup")]
        for followup in followups:
            if isinstance(followup, dict) and followup.get("id") and followup.get("due_date"):
                key = str(followup["id"])[:40]
                self.followups[(trip_id, key)] = {
                    "trip_id": trip_id,
                    "followup_id": key,
                    "commitment": str(followup.get("commitment") or "")[:1000],
                    "owner_department": str(followup.get("owner_department") or "")[:200],
                    "due_date": str(followup["due_date"])[:10],
                    "status": str(followup.get("status") or "open")[:20],
                }
        return trip


def load(session: Session, trip_ids: Iterable[str]) -> Batch:
    """The stored state of each trip named, read in one query per chunk of trips."""
    found: dict[str, Watched] = {}
    for row in repository.watched_trips(session, trip_ids, TRIP_COLUMNS):
        found[row[0]] = Watched(*row)
    return Batch(found)


def save(session: Session, batch: Batch, touched: Sequence[str]) -> None:
    """Write the trips named in ``touched`` and every follow-up the batch stated."""
    rows = [batch.trips[t].row() for t in dict.fromkeys(touched)]
    repository.save_watched(session, rows, list(batch.followups.values()))


def _list(value: object) -> list[Any]:
    return value if isinstance(value, list) else []
