"""What the open-data downloads read: every trip's state and the tree it was verified under."""

from collections.abc import Sequence

from sqlmodel import Session, col, select

from notifier.ingest.models import VerifiedTree
from notifier.publish.models import TripView


def verified_tree(session: Session) -> VerifiedTree | None:
    return session.get(VerifiedTree, 1)


def trips_by_departure(session: Session) -> Sequence[TripView]:
    """Every trip, earliest departure first, so that a download's rows keep their order."""
    order = (col(TripView.departure_date), col(TripView.trip_id))
    return session.exec(select(TripView).order_by(*order)).all()
