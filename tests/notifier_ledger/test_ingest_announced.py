"""The notifier's announcements over the real broker are hints: a forged announcement or
withholding is quarantined and the real entry shown, and entries the broker lost are read
from the ledger.

A real ledger over HTTP (``ledger.testing``), the real broker, and both databases for the
notifier. What fails is quarantined, counted and listed, never shown.
"""

import hashlib
import uuid
from pathlib import Path

import httpx
from sqlmodel import Session, col, select

from notifier.publish.models import LoggedEntry
from notifier.testing import SOURCE_SIGNER, life, numbered
from periplus import sources
from periplus.note import Signer
from periplus.testing import Broker, eventually
from tests.notifier_ledger.ingest import (
    IMPOSTOR,
    announce,
    announced,
    metric,
    quarantined,
    shown,
    staged,
    trip_view,
    verified_size,
)


def test_a_forged_announcement_is_quarantined_and_the_real_entry_shown(
    broker: Broker, database_url: str, tmp_path: Path
) -> None:
    trip = str(uuid.uuid4())
    events = numbered(life(trip, "MVD-2026-0041"))
    with announced(broker.connection, database_url, tmp_path) as (ledger, site, topic):
        before = metric(site, "notifier_entries_quarantined_total", 'kind="announcement"')
        ledger.append(events[:3])
        eventually(lambda: shown(site) == [0, 1, 2])
        # Signed by the city's real key with the next seq: only the tree can tell it apart.
        forged = sources.sign(
            SOURCE_SIGNER,
            seq=4,
            type_="trip.cancelled",
            trip_id=uuid.UUID(trip),
            data={"reference": "MVD-2026-0041", "reason": "Forged: the visit never happened."},
        )
        announce(broker.connection, topic, {"index": 3, "event": forged.to_json()})
        eventually(lambda: staged(site) == [3])
        ledger.append(events[3:4])
        eventually(lambda: shown(site) == [0, 1, 2, 3])
        view = trip_view(site, trip)
        assert view is not None
        assert view.status == "reported"
        page = httpx.get(f"{site.url}/trips/{trip}").text
        assert "The pilot agreement was signed" in page
        assert "the visit never happened" not in page
        [item] = quarantined(site)
        assert (item["kind"], item["ledger_index"]) == ("announcement", 3)
        assert item["reason"].startswith("differs from entry 3, which the checkpoint of size 4")
        assert item["raw"] is None  # whoever wrote to the broker gets nothing published
        digest = hashlib.sha256(forged.leaf).hexdigest()  # of the entry it announced
        assert (item["sha256"], item["size"]) == (digest, len(forged.leaf))
        assert item["origin"].startswith(f"{topic}/0/")
        after = metric(site, "notifier_entries_quarantined_total", 'kind="announcement"')
        assert after == before + 1
        assert staged(site) == []


def test_a_forged_withholding_erases_nothing(
    broker: Broker, database_url: str, tmp_path: Path
) -> None:
    trip = str(uuid.uuid4())
    events = numbered(life(trip, "MVD-2026-0042"))
    with announced(broker.connection, database_url, tmp_path) as (ledger, site, topic):
        ledger.append(events[:3])
        eventually(lambda: shown(site) == [0, 1, 2])
        impostor = Signer("test-city/ledger", IMPOSTOR)  # the ledger's name, not its key
        notice = sources.sign(
            impostor,
            seq=1,
            type_="entry.withheld",
            trip_id=uuid.UUID(trip),
            data={"index": 1, "reason": "Forged", "legal_basis": "None at all"},
        )
        announce(broker.connection, topic, {"index": 1, "withheld": True})
        announce(broker.connection, topic, {"index": 3, "event": notice.to_json()})
        announce(broker.connection, topic, {"nonsense": True})
        eventually(lambda: staged(site) == [3] and len(quarantined(site)) == 1)
        # In the log itself: a withholding stated by the city, which may not withhold.
        by_city = sources.sign(
            SOURCE_SIGNER,
            seq=4,
            type_="entry.withheld",
            trip_id=uuid.UUID(trip),
            data={"index": 2, "reason": "Embarrassing", "legal_basis": "None"},
        )
        ledger.append([by_city])
        eventually(lambda: verified_size(site) == 4)
        assert shown(site) == [0, 1, 2]
        with Session(site.app.state.engine) as session:
            types = session.exec(select(LoggedEntry.type).order_by(col(LoggedEntry.index))).all()
        assert list(types) == ["trip.approved", "trip.amended", "trip.completed"]
        view = trip_view(site, trip)
        assert view is not None
        assert view.data["completed"]["actual_total"]["amount"] == "4000.00"
        assert "withheld" not in view.data
        items = quarantined(site)
        assert [(i["kind"], i["ledger_index"]) for i in items] == [
            ("announcement", None),
            ("announcement", 3),
            ("entry", 3),
        ]
        assert items[0]["reason"] == "an announcement names its index, from 0 to 2^53"
        assert items[2]["reason"] == "only the ledger (test-city/ledger) may withhold an entry"
        first = httpx.get(f"{site.url}/v1/quarantine", params={"limit": 2}).json()
        assert [i["id"] for i in first["items"]] == [items[0]["id"], items[1]["id"]]
        rest = httpx.get(f"{site.url}/v1/quarantine", params={"after": first["next_cursor"]})
        assert [i["id"] for i in rest.json()["items"]] == [items[2]["id"]]
        assert rest.json()["next_cursor"] is None
        bad = httpx.get(f"{site.url}/v1/quarantine", params={"limit": 0})
        assert bad.status_code == 422
        assert bad.headers["content-type"].startswith("application/problem+json")


def test_entries_the_broker_lost_are_read_from_the_ledger(
    database_url: str, tmp_path: Path
) -> None:
    broker = Broker()  # this test's own: it goes down
    broker.start()
    try:
        trip = str(uuid.uuid4())
        events = numbered(life(trip, "MVD-2026-0044"))
        with announced(broker.connection, database_url, tmp_path, catchup_interval=1.0) as (
            ledger,
            site,
            _,
        ):
            ledger.append(events[:2])
            eventually(lambda: shown(site) == [0, 1])
            broker.stop()
            ledger.append(events[2:4])
            eventually(lambda: shown(site) == [0, 1, 2, 3], timeout=30)
            broker.start()
            ledger.append(events[4:])
            eventually(lambda: shown(site) == [0, 1, 2, 3, 4], timeout=30)
            assert verified_size(site) == 5
            assert quarantined(site) == []
    finally:
        broker.stop()
