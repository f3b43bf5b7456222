"""The channels' copies of a trip, folded again when an entry of it is withheld under law.

The channels keep a trip (``channel_trip``, ``channel_followup``) folded from every
entry, and each notice's head (reference, title, departments, goals) as the trip
stood at its position; an alert quotes the follow-up it is about. A withheld entry
said some of that. All of it is derived afresh from the entries that remain, in the
withholding's own transaction, each notice as of its own position: a notice says
what the remaining entries had said by then. An alert that rests on what only
withheld entries said (the report date, the follow-up, its date or status) is erased
like the entry's own notice. The stream replays notices, and every webhook delivery
still to be sent is built from one, so neither sends what the law withholds; one
whose notice no longer matches its subscription's filters is not sent at all.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from sqlmodel import Session

from notifier.channels import notices, repository, watched
from notifier.channels.models import Notice
from notifier.channels.webhooks import service as webhooks_service
from periplus.public import TripStatus
from periplus.rules import FOLLOWUP_PENDING, REPORT_PENDING

Entry = tuple[int, str, dict[str, Any]]
"""An entry that remains: its index, type and data."""


def refold(
    session: Session, trip_id: str, entries: Iterable[Entry], withheld: dict[str, Any]
) -> None:
    """Fold the trip's copy and the heads of its notices again from ``entries`` (the trip's
    entries still standing, in index order); ``withheld`` is what an erased alert says
    instead. The caller commits."""
    repository.lock_notices(session)
    batch = watched.Batch({trip_id: watched.Watched(trip_id)})
    remaining = iter(entries)
    following = next(remaining, None)
    stored = repository.trip_notices(session, trip_id)
    for notice in stored:
        while following is not None and following[0] <= notice.ledger_index:
            batch.watch(trip_id, following[1], following[2])
            following = next(remaining, None)
        if _again(notice, batch.trips[trip_id], batch.followups, withheld):
            session.add(notice)
    while following is not None:
        batch.watch(trip_id, following[1], following[2])
        following = next(remaining, None)
    repository.replace_watched(session, batch.trips[trip_id].row(), list(batch.followups.values()))
    session.flush()
    webhooks_service.withdraw_unmatched(session, stored)


def _again(
    notice: Notice,
    trip: watched.Watched,
    followups: Mapping[tuple[str, str], dict[str, Any]],
    withheld: dict[str, Any],
) -> bool:
    """Give ``notice`` the head the trip has as of its position; whether it changed."""
    before = (notice.body, notice.departments, notice.sdg_goals)
    if "withheld" in notice.body:  # an entry (or alert) erased already
        notices.erase(notice, notice.body)
    elif notice.sub == 0:
        notice.body = {**notice.body, "reference": trip.reference, "title": trip.title}
        notice.departments, notice.sdg_goals = list(trip.departments), list(trip.sdg_goals)
    else:
        stated = _alert(notice, trip, followups)
        if stated is None:
            body = {"trip_id": notice.trip_id, "as_of_ledger_index": notice.ledger_index}
            notices.erase(notice, {**body, "withheld": withheld})
        else:
            notice.body = {**stated, "reference": trip.reference, "title": trip.title}
            notice.departments, notice.sdg_goals = list(trip.departments), list(trip.sdg_goals)
    return (notice.body, notice.departments, notice.sdg_goals) != before


def _alert(
    notice: Notice, trip: watched.Watched, followups: Mapping[tuple[str, str], dict[str, Any]]
) -> dict[str, Any] | None:
    """The alert's body as the remaining entries state what it is about, or None when
    they do not state it was due and pending then."""
    body = notice.body
    if notice.type == "alert.report_overdue":
        due = trip.status in REPORT_PENDING and trip.report_due == body.get("due_date")
        return body if due else None
    said = body.get("followup")
    key = str(said.get("id")) if isinstance(said, dict) else ""
    found = followups.get((trip.trip_id, key))
    if (
        found is None
        or trip.status == TripStatus.CANCELLED
        or found["status"] not in FOLLOWUP_PENDING
        or found["due_date"] != body.get("due_date")
    ):
        return None
    fields = ("commitment", "owner_department", "status")
    return {**body, "followup": {"id": key, **{f: found[f] for f in fields}}}
