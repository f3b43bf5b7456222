"""One fact, end to end: a city approves a trip; the ledger proves it; the public sees it.

Everything here is real: three service processes, the Kafka-protocol broker,
SQLite or PostgreSQL, HTTP.
"""

import base64
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest

from periplus import merkle
from periplus.canonical import canonical_bytes
from periplus.note import Verifier, open_checkpoint
from periplus.testing import eventually
from tests.e2e.conftest import StartSystem
from tests.e2e.helpers import approve_trip, published, register_departments

pytestmark = pytest.mark.e2e


def ledger_events(ledger: httpx.Client) -> list[dict[str, Any]]:
    entries = ledger.get("/v1/log/entries", params={"start": 0, "end": 1000}).json()["entries"]
    return [entry["event"] for entry in entries]


# The whole system on PostgreSQL; `make run`, the quick start and the faults run it on SQLite.
@pytest.mark.backends("postgresql")
def test_an_approved_trip_is_logged_proven_and_published(start_system: StartSystem) -> None:
    # Periodic catch-up is off (an hour): the event must travel through the broker.
    system = start_system(LEDGER_CATCHUP_INTERVAL="3600", NOTIFIER_CATCHUP_INTERVAL="3600")
    trips = httpx.Client(base_url=system.urls["trips-api"], timeout=10)
    ledger = httpx.Client(base_url=system.urls["ledger"], timeout=10)
    public = httpx.Client(base_url=system.urls["notifier"], timeout=10)
    writer, approver = system.key("trips:write"), system.key("trips:approve")
    register_departments(trips, system.key("admin"))

    # The empty log already has a signed checkpoint: size 0, root SHA-256("").
    verifier = Verifier.parse(ledger.get("/v1/log/key").text)
    empty = open_checkpoint(ledger.get("/v1/log/checkpoint").text, verifier)
    assert (empty.size, empty.root) == (0, merkle.EMPTY_ROOT)

    trip_id = approve_trip(system, trips, writer, approver)

    # The ledger appends the event and signs a checkpoint that covers it.
    checkpoint = eventually(
        lambda: (
            (c := open_checkpoint(ledger.get("/v1/log/checkpoint").text, verifier)).size >= 1 and c
        )
    )
    entry = ledger.get("/v1/log/entries", params={"start": 0, "end": 1}).json()["entries"][0]
    leaf = base64.b64decode(entry["leaf"])
    event = entry["event"]
    assert (event["type"], event["trip_id"], event["seq"]) == ("trip.approved", trip_id, 1)
    assert leaf == canonical_bytes(event), "the leaf is the RFC 8785 form of the event"
    assert event == trips.get("/v1/events", params={"after": 0}).json()["events"][0]

    proof = ledger.get(
        "/v1/log/proof/inclusion", params={"index": 0, "tree_size": checkpoint.size}
    ).json()
    hashes = [base64.b64decode(h) for h in proof["hashes"]]
    assert merkle.verify_inclusion(
        merkle.leaf_hash(leaf), 0, checkpoint.size, hashes, checkpoint.root
    )
    assert not merkle.verify_inclusion(
        merkle.leaf_hash(leaf + b" "), 0, checkpoint.size, hashes, checkpoint.root
    )
    consistency = ledger.get(
        "/v1/log/proof/consistency", params={"first": 0, "second": checkpoint.size}
    ).json()
    assert consistency["hashes"] == []

    # The notifier shows it, with its ledger index, on the feed and the home page.
    feed = eventually(lambda: public.get("/feed.json").json()["items"])
    assert urlsplit(feed[0]["url"]).path == f"/trips/{trip_id}"
    assert feed[0]["_periplus"]["ledger_index"] == 0
    home = public.get("/")
    assert home.status_code == 200
    assert f"/trips/{trip_id}" in home.text
    assert public.get(f"/trips/{trip_id}").status_code == 200


@pytest.mark.backends("sqlite")  # a fault of the broker, the same on either database
def test_a_broker_that_forgets_loses_no_event(start_system: StartSystem) -> None:
    """The broker restarts (memory only) while the ledger is down; nothing is lost or doubled.

    Events reach the ledger through the broker, through gap filling when a later
    event reveals a gap, or through the periodic catch-up: whichever comes first.
    """
    system = start_system(LEDGER_CATCHUP_INTERVAL="2", NOTIFIER_CATCHUP_INTERVAL="2")
    trips = httpx.Client(base_url=system.urls["trips-api"], timeout=10)
    ledger = httpx.Client(base_url=system.urls["ledger"], timeout=10)
    writer, approver = system.key("trips:write"), system.key("trips:approve")
    register_departments(trips, system.key("admin"))

    approve_trip(system, trips, writer, approver)
    eventually(lambda: len(ledger_events(ledger)) == 1)

    system.stop("ledger")
    approve_trip(system, trips, writer, approver)
    eventually(lambda: published(trips) >= 2)  # seq 2 reached the broker...
    system.broker.restart()  # ...which now forgets it.

    for _ in range(2):
        approve_trip(system, trips, writer, approver)
    eventually(lambda: published(trips) >= 4, timeout=60)
    system.start("ledger")

    events = eventually(lambda: (e := ledger_events(ledger)) and len(e) >= 4 and e, timeout=60)
    assert [e["seq"] for e in events] == [1, 2, 3, 4]
    assert len({e["id"] for e in events}) == 4
    expected = trips.get("/v1/events", params={"after": 0}).json()["events"]
    assert events == expected

    approve_trip(system, trips, writer, approver)
    events = eventually(lambda: (e := ledger_events(ledger)) and len(e) >= 5 and e, timeout=60)
    assert [e["seq"] for e in events] == [1, 2, 3, 4, 5]
