"""What a withheld entry said leaves the channels too: the notices of its trip (the stream
replays them, webhook deliveries are built from them), their departments and goals, the
channels' copy of the trip, and the alerts raised from it, before and after."""

import contextlib
import json
import uuid
from datetime import date
from typing import Any

import httpx
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from ledger.log.service import sign_checkpoint
from ledger.log.withhold import withhold
from ledger.testing import Ledger
from notifier import state
from notifier.channels.alerts.worker import check_now
from notifier.channels.models import Delivery, Notice, WatchedFollowup, WatchedTrip
from notifier.channels.testing import Receiver
from notifier.testing import Site, event, life, numbered, serve, snapshot
from periplus.testing import eventually

TRIP, OTHER = str(uuid.UUID(int=41)), str(uuid.UUID(int=42))
REFERENCE = "MVD-2026-0041"
SECRET_TITLE = "Visit to a protected witness"
COMMITMENTS = ("Tender for ten buses", "Second depot costing")  # only the report states them
TODAY = date(2026, 7, 5)  # follow-up f1 (due 2026-06-30) is missed, within the horizon
QUIET = {"webhooks_enabled": False, "allow_private_receivers": True}
DELIVERING = {
    "webhooks_enabled": True,
    "allow_private_receivers": True,
    "webhook_retry_schedule": [0.05] + [0.2] * 30,
    "webhook_poll_interval": 0.05,
    "webhook_timeout": 2.0,
}


def _withhold(ledger: Ledger, *indices: int) -> None:
    with Session(ledger.engine) as session:
        for index in indices:
            withhold(session, index, "Names a protected witness", "Act, art. 10", ledger.own_signer)
        session.commit()
        sign_checkpoint(session, ledger.signer)
        session.commit()


site_at = contextlib.contextmanager(serve)


def _engine(site: Site) -> Engine:
    return state.of(site.app).engine


def _catch_up(site: Site) -> int:
    return state.of(site.app).ingestor.catch_up()


def _notices(site: Site) -> dict[tuple[int, int], Notice]:
    with Session(_engine(site)) as session:
        rows = session.exec(select(Notice).order_by(col(Notice.ledger_index), col(Notice.sub)))
        return {(n.ledger_index, n.sub): n for n in rows.all()}


def _replay(site: Site, last: str, **params: Any) -> str:
    """The stream from the start, as a client that resumes with ``after=-1`` reads it,
    up to the event ``last``."""
    read = ""
    with httpx.stream(
        "GET", f"{site.url}/v1/stream", params={"after": "-1", **params}, timeout=10
    ) as live:
        for line in live.iter_lines():
            read += line + "\n"
            if line == f"id: {last}":
                return read
    raise AssertionError(f"the stream ended before {last}: {read}")


def _statuses(site: Site) -> list[str]:
    with Session(_engine(site)) as session:
        return list(session.exec(select(Delivery.status)).all())


def _said(text: str) -> list[str]:
    return [word for word in (SECRET_TITLE, *COMMITMENTS) if word in text]


def test_a_withheld_title_and_follow_ups_are_in_no_notice_stream_webhook_or_alert(
    database_url: str, ledger: Ledger
) -> None:
    approved, _, completed, reported, _ = life(TRIP, REFERENCE, title=SECRET_TITLE)
    ledger.append(numbered([approved, completed, reported]))  # entries 0, 1, 2
    with (
        Receiver() as everything,
        Receiver() as mobility,
        site_at(database_url, ledger.url, **QUIET) as site,
    ):
        _created(site, everything.url)
        _created(site, mobility.url, departments=["Mobility"])
        assert _catch_up(site) == 3
        assert check_now(_engine(site), 30, today=TODAY) == 1  # f1, at 2.1
        before = _notices(site)
        assert SECRET_TITLE in json.dumps(before[(1, 0)].body)
        assert COMMITMENTS[0] in json.dumps(before[(2, 1)].body)

        _withhold(ledger, 0, 2)  # notices 3 and 4
        other = snapshot("MVD-2026-0042", title="A trip of the same department")
        ledger.append(numbered([event("trip.approved", OTHER, {"trip": other})], first=4))
        assert _catch_up(site) == 3
        assert check_now(_engine(site), 30, today=TODAY) == 0  # nothing left was missed

        after = _notices(site)
        assert list(after) == [(0, 0), (1, 0), (2, 0), (2, 1), (3, 0), (4, 0), (5, 0)]
        for position, notice in after.items():
            assert _said(json.dumps(notice.body)) == [], position
            if notice.trip_id == TRIP:  # only the withheld approval named them
                assert (notice.departments, notice.sdg_goals) == ([], []), position
        assert after[(1, 0)].body["title"] == ""
        assert after[(1, 0)].body["reference"] == REFERENCE  # the completion states it
        assert after[(3, 0)].body["title"] == after[(4, 0)].body["title"] == ""
        assert "withheld" in after[(2, 1)].body  # the alert rested on the report alone
        with Session(_engine(site)) as session:
            trip = session.get(WatchedTrip, TRIP)
            assert trip is not None
            assert (trip.title, trip.departments, trip.status) == ("", [], "completed")
            assert session.exec(select(WatchedFollowup)).all() == []

        replay = _replay(site, "5")
        assert "id: 2.1\n" in replay
        assert _said(replay) == []
        feed = httpx.get(f"{site.url}/feed.json").text
        assert _said(feed) == []
        assert "/log/2/alert/1" not in feed  # an erased alert is not news
        # By department: the trip's notices no longer say it, so only the other trip.
        filtered = _replay(site, "5", department="Mobility")
        assert [line for line in filtered.splitlines() if line.startswith("id: ")] == ["id: 5"]

        # The deliveries queued before the withholding are sent now, built afresh.
        with site_at(database_url, ledger.url, **DELIVERING):
            eventually(lambda: _statuses(site) == ["delivered"] * 8)  # 7, and 1 of 5
            sent = [json.loads(r.body) for r in everything.accepted()]
            assert sorted(p["id"] for p in sent) == ["0", "1", "2", "2.1", "3", "4", "5"]
            assert [_said(r.body.decode()) for r in everything.accepted()] == [[]] * 7
            (only,) = mobility.accepted()
            assert json.loads(only.body)["data"]["trip_id"] == OTHER


def test_an_alert_that_stands_takes_what_the_remaining_entries_say(
    database_url: str, ledger: Ledger
) -> None:
    approved, amended, completed, reported, _ = life(TRIP, REFERENCE)
    shown = approved["data"]["trip"]["title"]
    amended = event(
        "trip.amended",
        TRIP,
        {**amended["data"], "trip": {**amended["data"]["trip"], "title": SECRET_TITLE}},
    )
    ledger.append(numbered([approved, amended, completed, reported]))  # entries 0 to 3
    with site_at(database_url, ledger.url, **QUIET) as site:
        assert _catch_up(site) == 4
        assert check_now(_engine(site), 30, today=TODAY) == 1  # f1, at 3.1
        assert _notices(site)[(3, 1)].body["title"] == SECRET_TITLE

        _withhold(ledger, 1)  # notice 4
        assert _catch_up(site) == 1

        after = _notices(site)
        assert (after[(1, 0)].departments, after[(1, 0)].sdg_goals) == ([], [])
        for position in ((2, 0), (3, 0), (3, 1), (4, 0)):
            notice = after[position]
            assert notice.body["title"] == shown, position  # the approval's, again
            assert notice.departments == ["International Relations", "Mobility"], position
            assert notice.sdg_goals == [11, 13], position
        alert = after[(3, 1)].body
        assert alert["followup"]["commitment"] == COMMITMENTS[0]
        assert alert["due_date"] == "2026-06-30"
        assert "/log/3/alert/1" in httpx.get(f"{site.url}/feed.json").text
        replay = _replay(site, "4")
        assert SECRET_TITLE not in replay
        assert f'"title":"{shown}"' in replay
        with Session(_engine(site)) as session:
            trip = session.get(WatchedTrip, TRIP)
            assert trip is not None
            assert trip.title == shown
            assert len(session.exec(select(WatchedFollowup)).all()) == 2


def test_a_dead_delivery_sent_again_by_hand_says_nothing_withheld(
    database_url: str, ledger: Ledger
) -> None:
    approved, _, completed, _, _ = life(TRIP, REFERENCE, title=SECRET_TITLE)
    ledger.append(numbered([approved, completed]))  # entries 0, 1
    failing = {**DELIVERING, "webhook_retry_schedule": [0.05]}
    with (
        Receiver(mode="fail") as everything,
        Receiver(mode="fail") as mobility,
        site_at(database_url, ledger.url, **failing) as site,
    ):
        created = _created(site, everything.url)
        by_department = _created(site, mobility.url, departments=["Mobility"])
        assert _catch_up(site) == 2
        eventually(lambda: len(_log(site, created, status="dead")) == 2)
        eventually(lambda: len(_log(site, by_department, status="dead")) == 2)

        _withhold(ledger, 0)  # notice 2
        assert _catch_up(site) == 1
        assert _log(site, by_department) == []  # they no longer match its filters
        everything.mode = "ok"
        auth = {"Authorization": f"Bearer {created['token']}"}
        for dead in _log(site, created, status="dead"):
            if dead["ledger_index"] in (0, 1):
                url = f"{site.url}/v1/subscriptions/{created['id']}/deliveries/{dead['id']}/retry"
                assert httpx.post(url, headers=auth).status_code == 202
        eventually(lambda: {"0", "1"} <= set(_sent(everything)))
        sent = _sent(everything)  # perhaps the withholding's own too, if not dead already
        assert [_said(body) for body in sent.values()] == [[]] * len(sent)
        assert '"withheld":' in sent["0"]


def _sent(receiver: Receiver) -> dict[str, str]:
    """Each body accepted, by its event id."""
    return {json.loads(r.body)["id"]: r.body.decode() for r in receiver.accepted()}


def _created(site: Site, url: str, **filters: Any) -> dict[str, Any]:
    answer = httpx.post(f"{site.url}/v1/subscriptions", json={"url": url, **filters})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def _log(site: Site, created: dict[str, Any], **params: str) -> list[dict[str, Any]]:
    answer = httpx.get(
        f"{site.url}/v1/subscriptions/{created['id']}/deliveries",
        params=params,
        headers={"Authorization": f"Bearer {created['token']}"},
    )
    assert answer.status_code == 200, answer.text
    deliveries: list[dict[str, Any]] = answer.json()["deliveries"]
    return deliveries
