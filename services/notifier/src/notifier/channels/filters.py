"""What a reader asks to receive: trips, departments, SDG goals, types.

Within one field any value matches; across fields all must match; an empty
field matches everything. Departments compare without regard to case.
"""

from collections.abc import Iterable, Set
from dataclasses import dataclass

from periplus.events import EVENT_TYPES

ALERT_TYPES = frozenset({"alert.report_overdue", "alert.followup_missed"})
NOTICE_TYPES = EVENT_TYPES | ALERT_TYPES


@dataclass(frozen=True)
class Filters:
    trip_ids: frozenset[str] = frozenset()
    departments: frozenset[str] = frozenset()
    sdg_goals: frozenset[int] = frozenset()
    types: frozenset[str] = frozenset()

    @classmethod
    def of(
        cls,
        trip_ids: Iterable[str] = (),
        departments: Iterable[str] = (),
        sdg_goals: Iterable[int] = (),
        types: Iterable[str] = (),
    ) -> "Filters":
        return cls(
            frozenset(str(t).lower() for t in trip_ids),
            frozenset(d.casefold() for d in departments),
            frozenset(sdg_goals),
            frozenset(types),
        )

    def matches(
        self, type_: str, trip_id: str, departments: Iterable[str], sdg_goals: Iterable[int]
    ) -> bool:
        return self.admits(
            type_, trip_id.lower(), {d.casefold() for d in departments}, set(sdg_goals)
        )

    def admits(self, type_: str, trip_id: str, departments: Set[str], sdg_goals: Set[int]) -> bool:
        """``matches`` for a notice read once for many filters: its trip id lower-cased,
        its departments case-folded."""
        if self.types and type_ not in self.types:
            return False
        if self.trip_ids and trip_id not in self.trip_ids:
            return False
        if self.departments and not self.departments & departments:
            return False
        return not (self.sdg_goals and not self.sdg_goals & sdg_goals)
