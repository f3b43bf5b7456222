"""Alerts: an overdue report or a missed follow-up, raised once, on the stream and webhooks."""

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlmodel import Session
from standardwebhooks import Webhook

from notifier.channels.alerts import service as alerts_service
from notifier.channels.alerts.worker import check_now
from notifier.channels.testing import Entries, Receiver, connect, ingest, settings, subscribe
from notifier.main import build
from notifier.testing import state_of
from periplus.testing import Server, eventually

DUE = date(2027, 4, 12)


def followup(due: str, status: str = "open") -> dict[str, Any]:
    return {
        "id": "f1",
        "commitment": "Pilot two electric buses.",
        "owner_department": "Mobility",
        "due_date": due,
        "status": status,
    }


def reported(reference: str, due: str) -> dict[str, Any]:
    return {
        "reference": reference,
        "report": {
            "summary": "Agreement signed.",
            "results": [{"outcome_id": "o1", "achieved": "yes", "result": "Signed."}],
            "filed_on": "2027-04-01",
            "days_after_return": 20,
        },
        "followups": [followup(due)],
    }


def check_streamed(server: Server, late: str, reported_trip: str) -> None:
    """The three alerts on the live stream, in order, each naming its trip and due date."""
    with connect(
        server,
        params={"after": "-1", "type": ["alert.report_overdue", "alert.followup_missed"]},
    ) as reader:
        alerts = [reader.next() for _ in range(3)]
    assert [a["id"] for a in alerts] == ["5.1", "5.2", "6.1"]
    overdue, missed, missed_again = (a["data"] for a in alerts)
    assert overdue["type"] == "alert.report_overdue"
    assert overdue["data"]["trip_id"] == late
    assert (overdue["data"]["due_date"], overdue["data"]["days_overdue"]) == ("2027-04-12", 1)
    assert overdue["data"]["as_of_ledger_index"] == 5
    assert missed["type"] == "alert.followup_missed"
    assert missed["data"]["followup"]["commitment"] == "Pilot two electric buses."
    assert (missed["data"]["trip_id"], missed["data"]["due_date"]) == (
        reported_trip,
        "2027-09-01",
    )
    assert missed_again["data"]["due_date"] == "2027-10-01"


def check_pushed(receiver: Receiver, sub: dict[str, Any]) -> None:
    """The same three alerts pushed to the webhook, each signed with its secret."""
    eventually(lambda: len(receiver.accepted()) == 3)
    pushed = sorted(
        (p["type"], p["data"]["due_date"])
        for p in (Webhook(sub["secret"]).verify(r.body, r.headers) for r in receiver.accepted())
    )
    assert pushed == [
        ("alert.followup_missed", "2027-09-01"),
        ("alert.followup_missed", "2027-10-01"),
        ("alert.report_overdue", "2027-04-12"),
    ]


def test_each_alert_is_raised_once_and_reaches_every_channel(database_url: str) -> None:
    entries = Entries()
    late, reported_trip, cancelled, ancient = (str(uuid.uuid4()) for _ in range(4))
    with Receiver() as receiver, Server(build(settings(database_url))) as server:
        engine = state_of(server).engine
        sub = subscribe(
            server, url=receiver.url, types=["alert.report_overdue", "alert.followup_missed"]
        )
        ingest(
            server,
            entries.approved(late, report_due=DUE),
            entries.approved(reported_trip, reference="MVD-2027-0002", report_due=DUE),
            entries.make("trip.reported", reported_trip, reported("MVD-2027-0002", "2027-09-01")),
            entries.approved(cancelled, reference="MVD-2027-0003", report_due=DUE),
            entries.make(
                "trip.cancelled", cancelled, {"reference": "MVD-2027-0003", "reason": "x"}
            ),
            entries.approved(ancient, reference="MVD-2027-0004", report_due=date(2027, 1, 2)),
        )
        assert check_now(engine, 30, today=DUE) == 0  # due today is not overdue yet
        assert check_now(engine, 30, today=DUE + timedelta(days=1)) == 1
        assert check_now(engine, 30, today=DUE + timedelta(days=2)) == 0  # once

        september = date(2027, 9, 2)
        assert check_now(engine, 30, today=september) == 1  # the follow-up
        moved = {"reference": "MVD-2027-0002", "followup": followup("2027-10-01", "in_progress")}
        ingest(server, entries.make("followup.updated", reported_trip, moved))
        assert check_now(engine, 30, today=september + timedelta(days=1)) == 0
        assert check_now(engine, 30, today=date(2027, 10, 2)) == 1  # missed the new date too
        done = {"reference": "MVD-2027-0002", "followup": followup("2027-11-01", "done")}
        ingest(server, entries.make("followup.updated", reported_trip, done))
        assert check_now(engine, 30, today=date(2027, 11, 5)) == 0

        check_streamed(server, late, reported_trip)
        check_pushed(receiver, sub)


def test_the_periodic_check_raises_alerts_by_itself(database_url: str) -> None:
    entries, trip = Entries(), str(uuid.uuid4())
    yesterday = datetime.now(UTC).date() - timedelta(days=1)
    app = build(settings(database_url, alerts_enabled=True, alert_interval=0.1))
    with Server(app) as server, connect(server, params={"type": "alert.report_overdue"}) as reader:
        ingest(server, entries.approved(trip, report_due=yesterday - timedelta(days=1)))
        alert = reader.next()
        assert alert["id"] == "0.1"
        assert alert["data"]["data"]["days_overdue"] == 2


def test_recent_alerts_are_listed_newest_first_for_feeds(database_url: str) -> None:
    entries = Entries()
    first, second = str(uuid.uuid4()), str(uuid.uuid4())
    with Server(build(settings(database_url))) as server:
        engine = state_of(server).engine
        ingest(server, entries.approved(first, report_due=DUE))
        assert check_now(engine, 30, today=DUE + timedelta(days=1)) == 1
        ingest(server, entries.approved(second, reference="MVD-2027-0002", report_due=DUE))
        assert check_now(engine, 30, today=DUE + timedelta(days=3)) == 1
        with Session(engine) as session:
            listed = [(n.ledger_index, n.sub, n.trip_id) for n in alerts_service.recent(session)]
    assert listed == [(1, 1, second), (0, 1, first)]
