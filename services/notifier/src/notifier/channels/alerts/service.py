"""Raise an alert when a report becomes overdue or a follow-up misses its date; once each.

Computed from what the entries state (``channel_trip``, ``channel_followup``),
so an alert says: as of ledger entry N, this was due and had not been filed.
A date missed longer ago than the horizon raises nothing: catching up an old
ledger must not flood readers with stale news. Nothing is raised while the read
model lags the newest checkpoint read (``notifier.ingest.tree.caught_up``): the
report an alert would call missing may be in an entry not yet read, and an
alert, once sent, cannot be taken back.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session

from notifier.channels import notices, repository
from notifier.channels.filters import ALERT_TYPES
from notifier.channels.models import Notice, RaisedAlert, WatchedTrip
from notifier.ingest import tree


def check(session: Session, today: date, horizon_days: int) -> list[Notice]:
    """Raise every alert now due and not yet raised, once the read model has caught up
    with the ledger; the caller commits."""
    repository.lock_notices(session)
    if not tree.caught_up(session.connection()):
        return []
    earliest = (today - timedelta(days=horizon_days)).isoformat()
    cutoff = today.isoformat()
    raised: list[Notice] = []
    trips = repository.overdue_reports(session, earliest, cutoff)
    for trip in trips:
        due = trip.report_due or ""
        details: dict[str, Any] = {
            "alert": "report_overdue",
            "due_date": due,
            "days_overdue": _days(today, due),
        }
        notice = _raise(
            session, f"report_overdue:{trip.trip_id}:{due}", "alert.report_overdue", trip, details
        )
        if notice is not None:
            raised.append(notice)
    followups = repository.missed_followups(session, earliest, cutoff)
    for followup, trip in followups:
        body: dict[str, Any] = {
            "alert": "followup_missed",
            "due_date": followup.due_date,
            "days_overdue": _days(today, followup.due_date),
            "followup": {
                "id": followup.followup_id,
                "commitment": followup.commitment,
                "owner_department": followup.owner_department,
                "status": followup.status,
            },
        }
        key = f"followup_missed:{trip.trip_id}:{followup.followup_id}:{followup.due_date}"
        notice = _raise(session, key, "alert.followup_missed", trip, body)
        if notice is not None:
            raised.append(notice)
    return raised


def recent(session: Session, limit: int = 50) -> Sequence[Notice]:
    """The alerts raised most recently, newest first (for feeds and pages), but those erased
    with a withheld entry they rested on: they keep their place in the stream, and say
    nothing a reader could use."""
    alerts = repository.latest_of_types(session, ALERT_TYPES, limit)
    return [alert for alert in alerts if "withheld" not in alert.body]


def _days(today: date, due: str) -> int | None:
    try:
        return (today - date.fromisoformat(due)).days
    except ValueError:
        return None


def _raise(
    session: Session, key: str, type_: str, trip: WatchedTrip, details: dict[str, Any]
) -> Notice | None:
    if repository.raised(session, key[:200]):
        return None
    position = notices.next_alert_position(session)
    if position is None:
        return None
    index, sub = position
    moment = datetime.now(UTC)
    notice = Notice(
        ledger_index=index,
        sub=sub,
        type=type_,
        trip_id=trip.trip_id,
        departments=list(trip.departments),
        sdg_goals=list(trip.sdg_goals),
        body={
            **details,
            "trip_id": trip.trip_id,
            "reference": trip.reference,
            "title": trip.title,
            "as_of_ledger_index": index,
        },
        created_at=moment,
    )
    notices.add(session, notice)
    session.add(RaisedAlert(key=key[:200], ledger_index=index, sub=sub, raised_at=moment))
    session.flush()
    return notice
