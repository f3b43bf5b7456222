"""Apply ledger entries to the public read model, once each and in index order.

An announcement whose index is past the next expected one reveals a gap,
which is filled from the ledger's entries endpoint; the periodic catch-up
reads it too, so an entry the broker lost still reaches the public.
"""

import json
import logging
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import httpx
from prometheus_client import Counter
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from notifier import channels
from notifier.ingest import fold
from notifier.models import LoggedEntry, TripFacet, TripView
from periplus.kafka import Record
from periplus.sources import ROTATION

log = logging.getLogger(__name__)

APPLIED = Counter("notifier_entries_applied_total", "Ledger entries applied to the read model")

PAGE = 1000
NOTICE = "entry.withheld"
WITHHELD = "withheld"

Item = tuple[int, dict[str, Any]]


class Ingestor:
    def __init__(self, engine: Engine, ledger_url: str, http: httpx.Client) -> None:
        self.engine, self.ledger_url, self.http = engine, ledger_url.rstrip("/"), http

    def handle(self, session: Session, records: list[Record]) -> None:
        items: list[Item] = []
        for record in records:
            try:
                announcement = json.loads(record.value)
                items.append((int(announcement["index"]), dict(announcement["event"])))
            except (ValueError, KeyError, TypeError) as exc:
                log.warning(
                    "unreadable announcement skipped; catch-up will read the ledger",
                    extra={"offset": record.offset, "error": repr(exc)},
                )
        self.apply(session, items)

    def apply(self, session: Session, items: Iterable[Item]) -> int:
        following = next_index(session)
        applied = 0
        for index, event in sorted(items, key=lambda item: item[0]):
            if index < following:
                continue
            if index > following:
                for filler_index, filler in self.fetch(following, index):
                    if filler_index == following:
                        record(session, filler_index, filler)
                        following, applied = following + 1, applied + 1
                if index != following:
                    log.warning("gap not filled yet", extra={"expected": following, "got": index})
                    break
            record(session, index, event)
            following, applied = following + 1, applied + 1
        APPLIED.inc(applied)
        return applied

    def tick(self) -> None:
        """The consumer loop's periodic catch-up."""
        self.catch_up()

    def catch_up(self) -> int:
        total = 0
        while True:
            with Session(self.engine) as session:
                start = next_index(session)
                fetched = self.fetch(start, start + PAGE)
                applied = self.apply(session, fetched)
                session.commit()
            total += applied
            if applied < PAGE:
                return total

    def fetch(self, start: int, end: int) -> list[Item]:
        try:
            response = self.http.get(
                f"{self.ledger_url}/v1/log/entries", params={"start": start, "end": end}
            )
            response.raise_for_status()
            return [(int(e["index"]), _event_of(e)) for e in response.json()["entries"]]
        except (httpx.HTTPError, ValueError, KeyError, TypeError) as exc:
            log.warning("cannot read the ledger's entries", extra={"error": repr(exc)})
            return []


def _event_of(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry's event, or a stand-in when the ledger withholds its bytes under law."""
    if entry.get("event") is None:
        return {WITHHELD: entry.get("withheld") or {}}
    return dict(entry["event"])


def next_index(session: Session) -> int:
    last = session.exec(select(func.max(LoggedEntry.index))).one()
    return 0 if last is None else int(last) + 1


def record(session: Session, index: int, event: dict[str, Any]) -> None:
    """Store one entry and fold it into its trip's current public state."""
    if WITHHELD in event:
        # Withheld before we read it: only the index is public; its notice names the trip.
        session.add(
            LoggedEntry(
                index=index,
                trip_id="",
                type=WITHHELD,
                occurred_at="",
                event={WITHHELD: event[WITHHELD]},
                received_at=datetime.now(UTC),
            )
        )
        return
    trip_id, type_ = str(event["trip_id"]), str(event["type"])
    occurred_at = str(event.get("occurred_at", ""))
    if type_ == ROTATION:
        trip_id = ""  # about the source, not a trip: kept, never folded into a trip
    session.add(
        LoggedEntry(
            index=index,
            trip_id=trip_id,
            type=type_[:40],
            occurred_at=occurred_at[:32],
            event=event,
            received_at=datetime.now(UTC),
        )
    )
    if not trip_id:
        return
    view = session.get(TripView, trip_id)
    if view is None:
        view = TripView(
            trip_id=trip_id,
            reference="",
            title="",
            status="approved",
            departure_date="",
            data={},
            last_index=index,
            updated_at="",
        )
    state = fold.apply(view.data, index, type_, occurred_at, event.get("data"))
    trip = state.get("trip") or {}
    view.reference = str(trip.get("reference") or state.get("reference") or view.reference)[:40]
    view.title = str(trip.get("title") or view.title)[:200]
    view.departure_date = str(trip.get("departure_date") or view.departure_date)[:10]
    view.status = fold.STATUS_AFTER.get(type_, view.status)
    view.data, view.last_index, view.updated_at = state, index, occurred_at[:32]
    session.add(view)
    _refresh_facets(session, trip_id, fold.facets(state))
    if type_ == NOTICE:
        _withhold(session, view, event.get("data") or {})
    channels.on_entry(session, index, event)


def _withhold(session: Session, view: TripView, notice: dict[str, Any]) -> None:
    """Erase a withheld entry's content here too, and fold the trip again without it."""
    index = notice.get("index")
    target = session.get(LoggedEntry, index) if isinstance(index, int) else None
    if target is not None and target.trip_id in ("", view.trip_id):
        target.trip_id = view.trip_id
        target.type, target.occurred_at = WITHHELD, ""
        target.event = {WITHHELD: {k: notice.get(k) for k in ("reason", "legal_basis")}}
        session.add(target)
        session.flush()
    state: dict[str, Any] = {}
    status = "approved"
    entries = session.exec(
        select(LoggedEntry)
        .where(col(LoggedEntry.trip_id) == view.trip_id)
        .order_by(col(LoggedEntry.index))
    ).all()
    for entry in entries:
        if entry.type == WITHHELD:
            continue
        data = entry.event.get("data")
        state = fold.apply(state, entry.index, entry.type, entry.occurred_at, data)
        status = fold.STATUS_AFTER.get(entry.type, status)
    trip = state.get("trip") or {}
    view.reference = str(trip.get("reference") or state.get("reference") or "")[:40]
    view.title = str(trip.get("title") or "")[:200]
    view.departure_date = str(trip.get("departure_date") or "")[:10]
    view.status, view.data = status, state
    session.add(view)
    _refresh_facets(session, view.trip_id, fold.facets(state))


def _refresh_facets(session: Session, trip_id: str, wanted: set[tuple[str, str]]) -> None:
    existing = session.exec(select(TripFacet).where(col(TripFacet.trip_id) == trip_id)).all()
    have = {(f.kind, f.value) for f in existing}
    for facet in existing:
        if (facet.kind, facet.value) not in wanted:
            session.delete(facet)
    for kind, value in wanted - have:
        session.add(TripFacet(trip_id=trip_id, kind=kind, value=value))
