"""The rules about a trip that more than one service applies, each stated once.

trips-api enforces them as a trip changes; the notifier judges the published
record by them. A rule written twice drifts, and then the API and the public
pages disagree about the same trip.
"""

from collections.abc import Collection, Iterable, Mapping
from datetime import date
from typing import Any

from periplus.public import FollowupStatus, TripStatus

URGENCY_DAYS = 15
"""Days of notice before departure that a city asks for by default; an approval at
shorter notice needs a recorded justification."""


def short_notice(days_notice: int, minimum: int = URGENCY_DAYS) -> bool:
    """Whether an approval ``days_notice`` days before departure (negative: after it) came
    at shorter notice than ``minimum``."""
    return days_notice < minimum


REPORT_PENDING = frozenset({TripStatus.APPROVED, TripStatus.COMPLETED})
"""The statuses of a trip whose report is still to come (a cancelled trip owes none)."""


def report_overdue(status: str, report_due: date | None, today: date) -> bool:
    """Whether a trip's report is late: still to come and due before ``today``."""
    return status in REPORT_PENDING and report_due is not None and report_due < today


FOLLOWUP_PENDING = frozenset({FollowupStatus.OPEN, FollowupStatus.IN_PROGRESS})
"""The statuses of a follow-up still to be kept (``done`` and ``dropped`` are final)."""


def followup_overdue(status: object, due_date: date | None, today: date) -> bool:
    """Whether a follow-up missed its date: still pending and due before ``today``."""
    return status in FOLLOWUP_PENDING and due_date is not None and due_date < today


def public_name(
    traveller: Mapping[str, Any], *, private: bool = False, protected: Collection[str] = ()
) -> str | None:
    """A traveller's name as a reader may see it: a private reader always; the public only
    if the name is public and not in ``protected`` (names protected since, which stop
    showing in every earlier version too); otherwise null, the position alone."""
    name: str | None = traveller["name"]
    if private or (traveller["name_public"] and name not in protected):
        return name
    return None


def protected_names(travellers: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """The names that the law protects among ``travellers``."""
    return frozenset(t["name"] for t in travellers if not t["name_public"])
