"""Which subscriptions a notice goes to, found by lookup rather than by reading them all.

Each active subscription is filed under the values of its most selective
filter: its trips, else its departments, its SDG goals, its types, or under
every notice when it filters nothing. A notice meets only the subscriptions
filed under its own trip, departments, goals and type, and each of those is
checked against all its filters and its age: a subscription is sent only the
notices made after it. The index is read once per process and again
only when the stamp that every change of the subscriptions renews (see
``repository.changed``) differs from the one it was read under.
"""

import threading
import weakref
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session

from notifier.channels.filters import Filters
from notifier.channels.webhooks import repository

Filed = tuple[str, Filters, datetime]  # a subscription's id, filters and creation


@dataclass
class SubscriptionIndex:
    stamp: str | None = None
    everything: list[Filed] = field(default_factory=list)
    by_trip: dict[str, list[Filed]] = field(default_factory=lambda: defaultdict(list))
    by_department: dict[str, list[Filed]] = field(default_factory=lambda: defaultdict(list))
    by_goal: dict[int, list[Filed]] = field(default_factory=lambda: defaultdict(list))
    by_type: dict[str, list[Filed]] = field(default_factory=lambda: defaultdict(list))

    def add(self, sub_id: str, filters: Filters, created_at: datetime) -> None:
        entry = (sub_id, filters, created_at)
        if filters.trip_ids:
            for trip in filters.trip_ids:
                self.by_trip[trip].append(entry)
        elif filters.departments:
            for department in filters.departments:
                self.by_department[department].append(entry)
        elif filters.sdg_goals:
            for goal in filters.sdg_goals:
                self.by_goal[goal].append(entry)
        elif filters.types:
            for type_ in filters.types:
                self.by_type[type_].append(entry)
        else:
            self.everything.append(entry)

    def matching(
        self,
        type_: str,
        trip_id: str,
        departments: Iterable[str],
        sdg_goals: Iterable[int],
        made: datetime,
    ) -> list[str]:
        """The ids of the subscriptions that a notice with these facets, made at ``made``,
        goes to, in id order: those made before it whose filters it meets."""
        trip = trip_id.lower()
        folded = {d.casefold() for d in departments}
        goals = set(sdg_goals)
        candidates = [
            *self.everything,
            *self.by_trip.get(trip, ()),
            *self.by_type.get(type_, ()),
            *(e for d in folded for e in self.by_department.get(d, ())),
            *(e for g in goals for e in self.by_goal.get(g, ())),
        ]
        found = {
            sub_id
            for sub_id, filters, created_at in candidates
            if created_at <= made and filters.admits(type_, trip, folded, goals)
        }
        return sorted(found)


_indexes: "weakref.WeakKeyDictionary[Engine, SubscriptionIndex]" = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def current(session: Session) -> SubscriptionIndex:
    """The index of the active subscriptions as this transaction sees them: the one kept
    for this database, unless the stamp changed since it was read."""
    stamp = repository.stamp(session)
    engine = session.get_bind().engine
    with _lock:
        kept = _indexes.get(engine)
    if kept is not None and stamp is not None and kept.stamp == stamp:
        return kept
    index = SubscriptionIndex(stamp)
    for sub_id, trip_ids, departments, sdg_goals, types, made in repository.active_filters(session):
        index.add(sub_id, Filters.of(trip_ids, departments, sdg_goals, types), made)
    with _lock:
        _indexes[engine] = index
    return index
