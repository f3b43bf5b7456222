"""Reading the public read model."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from notifier.models import LoggedEntry, TripView


def trips(session: Session, limit: int = 200) -> Sequence[TripView]:
    return session.exec(
        select(TripView).order_by(col(TripView.departure_date).desc()).limit(limit)
    ).all()


def trip(session: Session, trip_id: str) -> TripView | None:
    return session.get(TripView, trip_id)


def timeline(session: Session, trip_id: str) -> Sequence[LoggedEntry]:
    return session.exec(
        select(LoggedEntry)
        .where(col(LoggedEntry.trip_id) == trip_id)
        .order_by(col(LoggedEntry.index))
    ).all()


def recent_entries(session: Session, limit: int = 50) -> Sequence[LoggedEntry]:
    return session.exec(
        select(LoggedEntry).order_by(col(LoggedEntry.index).desc()).limit(limit)
    ).all()
