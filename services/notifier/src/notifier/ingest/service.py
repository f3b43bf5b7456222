"""The read model's one writer: entries already verified, applied once each, in index order.

Nothing here checks a signature: ``notifier.ingest.ingestor`` calls it only
with entries that a checkpoint under the trust policy commits to and whose
source signature verifies. A batch is applied at once (``views``, and the
channels' ``on_entries``): its trips read in one query, folded in memory,
written with one statement per table. An entry that still cannot be applied
(a shape the fold cannot take, a value the database cannot store) is
quarantined on its own, in a savepoint, and the entries after it are
applied. An index with no entry here (one quarantined) is a gap that stays.
"""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from prometheus_client import Counter
from sqlalchemy import func
from sqlmodel import Session, col, select

from notifier import channels
from notifier.channels import notices
from notifier.channels import withheld as withheld_channels
from notifier.ingest import fold, quarantine
from notifier.ingest import repository as views
from notifier.publish.models import LoggedEntry, TripState, TripView
from periplus.canonical import canonical_bytes
from periplus.events import SEQ_RESOLVED
from periplus.isolation import apply_isolated
from periplus.sources import ROTATION

APPLIED = Counter("notifier_entries_applied_total", "Ledger entries applied to the read model")

NOTICE = "entry.withheld"
WITHHELD = "withheld"

Item = tuple[int, dict[str, Any]]


def apply(session: Session, items: Iterable[Item], origin: str = "") -> int:
    """Record entries in index order, skipping those recorded already; the caller commits.

    Returns how many were applied; one that cannot be is listed in the
    quarantine, with ``origin`` (where the entries were read).
    """
    following = next_index(session)
    fresh: list[Item] = []
    for index, event in sorted(items, key=lambda item: item[0]):
        if index >= following:
            fresh.append((index, event))
            following = index + 1
    return _record(session, fresh, origin)


def restore(session: Session, items: Sequence[Item], origin: str = "") -> int:
    """Record entries refused before, behind the newest recorded, in index order: those
    this site's operator shows again past a gap (``notifier.ingest.gaps``). Their source's
    later entries were all refused meanwhile, so each trip is folded in its order."""
    return _record(session, sorted(items, key=lambda item: item[0]), origin)


def recorded(session: Session, indexes: Iterable[int]) -> set[int]:
    """Which of ``indexes`` the read model holds."""
    query = select(LoggedEntry.index).where(col(LoggedEntry.index).in_(list(indexes)))
    return set(session.exec(query).all())


def _record(session: Session, fresh: Sequence[Item], origin: str) -> int:
    def record_each(chunk: Sequence[Item]) -> None:
        record_many(session, chunk)

    def refuse(item: Item, error: str) -> None:
        index, event = item
        reason = f"cannot be applied to the read model: {error}"
        quarantine.entry(session, "entry", reason, canonical_bytes(event), origin, index)

    applied = len(apply_isolated(session, fresh, record_each, refuse))
    APPLIED.inc(applied)
    return applied


def next_index(session: Session) -> int:
    last = session.exec(select(func.max(LoggedEntry.index))).one()
    return 0 if last is None else int(last) + 1


def record_many(session: Session, items: Sequence[Item]) -> None:
    """Store entries and fold them into their trips, a run at a time between withholdings.

    A withholding rewrites entries stored before it, so the run before it is
    written first, and it is recorded on its own.
    """
    run: list[Item] = []
    for index, event in items:
        if WITHHELD not in event and event.get("type") == NOTICE:
            _record_run(session, run)
            run = []
            session.expire_all()  # what the run wrote is read afresh
            record(session, index, event)
            session.flush()
        else:
            run.append((index, event))
    _record_run(session, run)


def _record_run(session: Session, items: Sequence[Item]) -> None:
    """Entries with no withholding among them: one statement per table for them all."""
    if not items:
        return
    entries: list[dict[str, Any]] = []
    folded: list[Item] = []
    moment = datetime.now(UTC)
    for index, event in items:
        if WITHHELD in event:
            # Withheld before we read it: only the index is public; its notice names the trip.
            withheld = {WITHHELD: event[WITHHELD]}
            entries.append(views.entry_row(index, "", WITHHELD, "", withheld, moment))
            continue
        trip_id, type_ = _about(event)
        occurred_at = str(event.get("occurred_at", ""))
        entries.append(views.entry_row(index, trip_id, type_, occurred_at, event, moment))
        if trip_id:
            folded.append((index, event))
    views.write_entries(session, entries)
    trips = views.load(session, {str(event["trip_id"]) for _, event in folded})
    for index, event in folded:
        trip_id, type_ = _about(event)
        view = trips.get(trip_id)
        if view is None:
            view = trips[trip_id] = views.View(trip_id, last_index=index)
        view.fold(index, type_, str(event.get("occurred_at", "")), event.get("data"))
    views.save(session, list(trips.values()))
    channels.on_entries(session, folded)


def _about(event: dict[str, Any]) -> tuple[str, str]:
    """The trip an entry is folded into ("" for one about a source) and its type."""
    trip_id, type_ = str(event["trip_id"]), str(event["type"])
    if type_ in (ROTATION, SEQ_RESOLVED):
        trip_id = ""  # about a source, not a trip: kept, never folded into a trip
    return trip_id, type_


def record(session: Session, index: int, event: dict[str, Any]) -> None:
    """Store one entry and fold it into its trip's current public state."""
    if WITHHELD in event:
        _record_run(session, [(index, event)])
        return
    trip_id, type_ = _about(event)
    occurred_at = str(event.get("occurred_at", ""))
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
    state = fold.apply(view.state, index, type_, occurred_at, event.get("data"))
    view.reference = (state.reference or view.reference)[:40]
    view.title = (state.title or view.title)[:200]
    view.departure_date = (state.departure_date or view.departure_date)[:10]
    view.status = fold.STATUS_AFTER.get(type_, view.status)
    view.data, view.last_index, view.updated_at = state.stored_data(), index, occurred_at[:32]
    session.add(view)
    _refresh_facets(session, trip_id, fold.facets(state))
    if type_ == NOTICE:
        _withhold(session, view, index, event.get("data") or {})
    session.flush()
    channels.on_entries(session, [(index, event)])


def _withhold(session: Session, view: TripView, notice_index: int, notice: dict[str, Any]) -> None:
    """Erase a withheld entry's content from every copy kept here (the entry, the notices
    that the stream replays and webhooks are built from, a refused copy in the public
    quarantine), and fold the trip again: its page, and the channels' copy of it and
    the heads of its notices (before the withholding's own notice is made from it)."""
    index = notice.get("index")
    said = {k: notice.get(k) for k in ("reason", "legal_basis")}
    withheld = {**said, "notice_index": notice_index}
    target = session.get(LoggedEntry, index) if isinstance(index, int) else None
    if isinstance(index, int):
        original = target.event if target is not None and target.type != WITHHELD else None
        quarantine.withhold(session, index, notice_index, _hash(notice), original)
    if target is not None and target.trip_id in ("", view.trip_id):
        target.trip_id = view.trip_id
        target.type, target.occurred_at = WITHHELD, ""
        target.event = {WITHHELD: said}
        session.add(target)
        notices.withhold(session, target.index, withheld)
        session.flush()
    state = TripState()
    status = "approved"
    entries = session.exec(
        select(LoggedEntry)
        .where(col(LoggedEntry.trip_id) == view.trip_id)
        .order_by(col(LoggedEntry.index))
    ).all()
    remaining: list[withheld_channels.Entry] = []
    for entry in entries:
        if entry.type == WITHHELD:
            continue
        data = entry.event.get("data")
        state = fold.apply(state, entry.index, entry.type, entry.occurred_at, data)
        status = fold.STATUS_AFTER.get(entry.type, status)
        if entry.index < notice_index:
            remaining.append((entry.index, entry.type, data if isinstance(data, dict) else {}))
    withheld_channels.refold(session, view.trip_id, remaining, withheld)
    view.reference = state.reference[:40]
    view.title = state.title[:200]
    view.departure_date = state.departure_date[:10]
    view.status, view.data = status, state.stored_data()
    session.add(view)
    _refresh_facets(session, view.trip_id, fold.facets(state))


def _hash(notice: dict[str, Any]) -> bytes | None:
    """The withheld entry's leaf hash that a notice states, if it states one plainly."""
    stated = notice.get("leaf_hash")
    if not isinstance(stated, str) or len(stated) != 64:
        return None
    try:
        return bytes.fromhex(stated)
    except ValueError:
        return None


def _refresh_facets(session: Session, trip_id: str, wanted: set[tuple[str, str]]) -> None:
    session.flush()
    views.refresh_facets(session, {trip_id: wanted})
