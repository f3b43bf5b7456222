"""The read model written a batch at a time: entries, trips' current state and facets.

A batch's trips are read in one query, folded in memory entry by entry in
index order, and written back with one statement per table, so the cost of
the database grows with the batches rather than with the entries.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, or_, select
from sqlmodel import Session, col

from notifier.ingest import fold
from notifier.ingest.rows import insert_many, upsert_many
from notifier.publish.models import LoggedEntry, TripFacet, TripState, TripView

CHUNK = 500  # values in one IN (...): well inside every database's limit

VIEW_COLUMNS = (
    "reference",
    "title",
    "status",
    "departure_date",
    "data",
    "last_index",
    "updated_at",
)


@dataclass
class View:
    """A trip's current public state while a batch is folded into it."""

    trip_id: str
    reference: str = ""
    title: str = ""
    status: str = "approved"
    departure_date: str = ""
    state: TripState = field(default_factory=TripState)
    last_index: int = 0
    updated_at: str = ""

    def fold(self, index: int, type_: str, occurred_at: str, data: object) -> None:
        """One more entry of this trip, as ``fold.apply`` states it."""
        state = fold.apply(self.state, index, type_, occurred_at, data)
        self.reference = (state.reference or self.reference)[:40]
        self.title = (state.title or self.title)[:200]
        self.departure_date = (state.departure_date or self.departure_date)[:10]
        self.status = fold.STATUS_AFTER.get(type_, self.status)
        self.state, self.last_index, self.updated_at = state, index, occurred_at[:32]

    def row(self) -> dict[str, Any]:
        columns = {c: getattr(self, c) for c in VIEW_COLUMNS if c != "data"}
        return {"trip_id": self.trip_id, **columns, "data": self.state.stored_json()}


def chunks(values: Iterable[str]) -> list[list[str]]:
    ordered = sorted(set(values))
    return [ordered[i : i + CHUNK] for i in range(0, len(ordered), CHUNK)]


def load(session: Session, trip_ids: Iterable[str]) -> dict[str, View]:
    """The stored state of each trip named, read in one query per ``CHUNK`` trips."""
    found: dict[str, View] = {}
    for part in chunks(trip_ids):
        rows = session.execute(
            select(
                col(TripView.trip_id),
                *(getattr(TripView, c) for c in VIEW_COLUMNS),
            ).where(col(TripView.trip_id).in_(part))
        ).all()
        for trip_id, reference, title, status, departure, data, last, updated in rows:
            state = TripState.stored(data)
            found[trip_id] = View(
                trip_id, reference, title, status, departure, state, last, updated
            )
    return found


def write_entries(session: Session, rows: Sequence[dict[str, Any]]) -> None:
    """The ``logged_entry`` rows of a batch in one executemany."""
    if rows:
        insert_many(session, LoggedEntry, rows)


def entry_row(
    index: int, trip_id: str, type_: str, occurred_at: str, event: Any, received_at: datetime
) -> dict[str, Any]:
    return {
        "index": index,
        "trip_id": trip_id,
        "type": type_[:40],
        "occurred_at": occurred_at[:32],
        "event": event,
        "received_at": received_at,
    }


def save(session: Session, views: Sequence[View]) -> None:
    """Write the trips a batch touched, new or stored, and bring their facets up to date."""
    if not views:
        return
    upsert_many(session, TripView, ["trip_id"], [v.row() for v in views])
    refresh_facets(session, {v.trip_id: fold.facets(v.state) for v in views})


def refresh_facets(session: Session, wanted: dict[str, set[tuple[str, str]]]) -> None:
    """Make each trip's stored facets those wanted: one read, one delete, one insert."""
    have: set[tuple[str, str, str]] = set()
    for part in chunks(wanted):
        have.update(
            (t, k, v)
            for t, k, v in session.execute(
                select(col(TripFacet.trip_id), col(TripFacet.kind), col(TripFacet.value)).where(
                    col(TripFacet.trip_id).in_(part)
                )
            ).all()
        )
    want = {(t, k, v) for t, facets in wanted.items() for k, v in facets}
    gone = sorted(have - want)
    for start in range(0, len(gone), CHUNK):
        session.execute(
            delete(TripFacet).where(
                or_(
                    *(
                        and_(
                            col(TripFacet.trip_id) == t,
                            col(TripFacet.kind) == k,
                            col(TripFacet.value) == v,
                        )
                        for t, k, v in gone[start : start + CHUNK]
                    )
                )
            )
        )
    new = sorted(want - have)
    if new:
        insert_many(session, TripFacet, [{"trip_id": t, "kind": k, "value": v} for t, k, v in new])
