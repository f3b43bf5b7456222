"""The auditors' queries over the log: entries by trip, source, type, tag or date."""

import uuid
from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, col, select

from ledger.log.models import Entry, TripTag
from ledger.log.repository import LEAF, Leaf, leaves


@dataclass(frozen=True)
class Filters:
    trip_id: uuid.UUID | None = None
    source: str | None = None
    type: str | None = None
    department: str | None = None
    sdg: int | None = None
    since: date | None = None
    until: date | None = None


def search(session: Session, filters: Filters, after: int, limit: int) -> list[Leaf]:
    """The entries after index ``after`` that match every filter given, in log order.

    A department or SDG goal matches every entry of a trip that was ever tagged
    with it, so a trip's whole history comes back, not only the entries that name it.
    """
    query = select(*LEAF).where(col(Entry.index) > after)
    if filters.trip_id is not None:
        query = query.where(col(Entry.trip_id) == str(filters.trip_id))
    if filters.source is not None:
        query = query.where(col(Entry.source) == filters.source)
    if filters.type is not None:
        query = query.where(col(Entry.type) == filters.type)
    sdg = None if filters.sdg is None else str(filters.sdg)
    for kind, value in (("department", filters.department), ("sdg", sdg)):
        if value is not None:
            trips = select(TripTag.trip_id).where(
                col(TripTag.kind) == kind, col(TripTag.value) == value
            )
            query = query.where(col(Entry.trip_id).in_(trips))
    if filters.since is not None:
        query = query.where(col(Entry.occurred_at) >= filters.since.isoformat())
    if filters.until is not None:
        end = (filters.until + timedelta(days=1)).isoformat()
        query = query.where(col(Entry.occurred_at) < end)
    return leaves(query.order_by(col(Entry.index)).limit(limit), session)


def trip_entries(session: Session, trip_id: uuid.UUID, size: int, limit: int) -> list[Leaf]:
    """The entries of one trip in a tree of ``size``, in log order."""
    return leaves(
        select(*LEAF)
        .where(col(Entry.trip_id) == str(trip_id), col(Entry.index) < size)
        .order_by(col(Entry.index))
        .limit(limit),
        session,
    )
