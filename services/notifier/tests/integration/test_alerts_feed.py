"""Alerts are feed items too, in the feeds they concern, after the entry they follow."""

import uuid
from datetime import date, timedelta

import feedparser
import httpx
import pytest

from notifier.channels.alerts.worker import check_now
from notifier.channels.testing import Entries, ingest, settings
from notifier.main import build
from notifier.testing import state_of
from periplus.testing import Server

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

DUE = date(2027, 4, 12)


def test_an_overdue_report_appears_in_the_feeds_of_its_trip(database_url: str) -> None:
    entries = Entries()
    late, other = str(uuid.uuid4()), str(uuid.uuid4())
    with Server(build(settings(database_url))) as server:
        engine = state_of(server).engine
        ingest(
            server,
            entries.approved(late, report_due=DUE),
            entries.approved(other, reference="MVD-2027-0009", report_due=DUE + timedelta(90)),
        )
        assert check_now(engine, 30, today=DUE + timedelta(days=3)) == 1

        feed = httpx.get(f"{server.url}/feed.json", params={"lang": "es"}).json()
        first = feed["items"][0]
        assert first["tags"] == ["alert.report_overdue"]
        assert first["id"].endswith("/log/1/alert/1"), "placed after the last entry, index 1"
        assert first["title"].startswith("Informe vencido")
        assert "3 días de retraso" in first["content_text"]
        assert first["_periplus"]["trip_id"] == late
        assert len({item["id"] for item in feed["items"]}) == len(feed["items"]) == 3

        atom = feedparser.parse(httpx.get(f"{server.url}/trips/{late}/feed.atom").content)
        assert not atom.bozo
        assert [e.tags[0].term for e in atom.entries] == ["alert.report_overdue", "trip.approved"]
        assert atom.entries[0].link.endswith(f"/trips/{late}?lang=en")

        other_feed = httpx.get(f"{server.url}/trips/{other}/feed.json").json()
        assert [i["tags"] for i in other_feed["items"]] == [["trip.approved"]]
