"""Live streams per client over real HTTP: an IPv6 client is counted by its /64, as cheap
to change as an address is, and by its /48 (a site's), which may hold more; a replay of
the stream's history is a bulk read."""

import uuid
from contextlib import ExitStack

import httpx
import pytest

from notifier import state
from notifier.channels.stream import hub as stream_hub
from notifier.channels.stream import routes as stream_routes
from notifier.channels.testing import Entries, connect, ingest, settings
from notifier.main import build
from periplus.ratelimit import WIDE_FACTOR
from periplus.testing import Server, eventually


def behind(address: str) -> dict[str, str]:
    """The client the trusted proxy (loopback here) names."""
    return {"X-Forwarded-For": address}


def test_the_addresses_of_one_ipv6_64_share_its_streams(database_url: str) -> None:
    app = build(settings(database_url, stream_max_per_client=2))
    with (
        Server(app) as server,
        connect(server, headers=behind("2001:db8:1:2::1")),
        connect(server, headers=behind("2001:db8:1:2::2")) as second,
    ):
        refused = httpx.get(f"{server.url}/v1/stream", headers=behind("2001:db8:1:2::3"))
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert int(refused.headers["retry-after"]) > 0
        assert "network (2001:db8:1:2::/64) holds 2 live streams" in refused.json()["detail"]
        with connect(server, headers=behind("2001:db8:1:3::1")) as neighbour:  # its own /64
            assert neighbour.response.status_code == 200
        with connect(server, headers=behind("198.51.100.7")) as citizen:
            assert citizen.response.status_code == 200
        second.response.close()
        hub = state.of(app).stream_hub
        eventually(lambda: hub.per_address.get("2001:db8:1:2::/64") == 1)
        with connect(server, headers=behind("2001:db8:1:2::3")) as again:
            assert again.response.status_code == 200
    eventually(lambda: not hub.per_address)


def test_one_ipv6_48_holds_more_than_a_64_and_no_more(database_url: str) -> None:
    app = build(settings(database_url, stream_max_per_client=1))
    with Server(app) as server, ExitStack() as streams:
        for n in range(WIDE_FACTOR):  # one stream from each of as many /64s of one /48
            streams.enter_context(connect(server, headers=behind(f"2001:db8:5:{n:x}::1")))
        refused = httpx.get(f"{server.url}/v1/stream", headers=behind("2001:db8:5:ff::1"))
        assert refused.status_code == 429
        detail = refused.json()["detail"]
        assert f"network (2001:db8:5::/48) holds {WIDE_FACTOR} live streams" in detail
        with connect(server, headers=behind("2001:db8:6::1")) as other_site:
            assert other_site.response.status_code == 200


def test_a_replay_from_far_back_is_a_bulk_read_and_resuming_is_free(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(stream_hub, "REPLAY_FREE", 2)  # three entries are "far back" here
    app = build(settings(database_url, bulk_read_limit=1, bulk_read_network_limit=10))
    with Server(app) as server:
        entries = Entries()
        ingest(server, *(entries.approved(str(uuid.uuid4())) for _ in range(4)))
        client = behind("198.51.100.20")
        with connect(server, headers={**client, "Last-Event-ID": "-1"}) as replay:
            assert replay.next()["id"] == "0"  # the whole history, once
        refused = httpx.get(f"{server.url}/v1/stream", headers={**client, "Last-Event-ID": "-1"})
        assert refused.status_code == 429
        assert refused.headers["content-type"] == "application/problem+json"
        assert "replays of the stream's history" in refused.json()["detail"]
        with connect(server, headers={**client, "Last-Event-ID": "2"}) as resumed:
            assert resumed.next()["id"] == "3"  # what a dropped connection missed: free
        with connect(server, headers=client) as live:  # from now: free
            ingest(server, entries.approved(str(uuid.uuid4())))
            assert live.next()["id"] == "4"
        query = httpx.get(f"{server.url}/v1/stream?after=-1", headers=client)
        assert query.status_code == 429  # the query's replay spends the same budget
        with connect(server, headers=behind("198.51.100.21"), params={"after": "-1"}) as other:
            assert other.next()["id"] == "0"  # another address: a budget of its own


def test_a_filtered_reader_is_told_how_far_it_has_read_and_resumes_from_there_free(
    database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its filters skip most notices, so the last event it received is far back; the id
    sent with a ping moves its ``Last-Event-ID`` on, and reconnecting costs no replay."""
    monkeypatch.setattr(stream_hub, "REPLAY_FREE", 2)
    monkeypatch.setattr(stream_routes, "PING_SECONDS", 0.2)
    app = build(settings(database_url, bulk_read_limit=1, bulk_read_network_limit=10))
    client, query = behind("198.51.100.30"), {"department": "Culture"}
    with Server(app) as server:
        entries = Entries()
        ingest(server, entries.approved(str(uuid.uuid4()), departments=("Culture",)))
        with httpx.stream(
            "GET", f"{server.url}/v1/stream", params=query, headers=client, timeout=10
        ) as response:
            assert response.status_code == 200
            lines = response.iter_lines()
            others = [
                entries.approved(str(uuid.uuid4()), departments=("Mobility",)) for _ in "1234"
            ]
            ingest(server, *others)  # notices 1 to 4, none of them for this reader
            told = next(line for line in lines if line.startswith("id:"))
        assert told == "id: 4"
        with connect(server, params=query, headers={**client, "Last-Event-ID": "4"}) as again:
            ingest(server, entries.approved(str(uuid.uuid4()), departments=("Culture",)))
            assert again.next()["id"] == "5"  # resumed from where it was told: free
        with connect(server, params=query, headers={**client, "Last-Event-ID": "0"}) as far:
            assert far.next()["id"] == "5"  # from far back: the one bulk read it has
        refused = httpx.get(
            f"{server.url}/v1/stream", params=query, headers={**client, "Last-Event-ID": "0"}
        )
        assert refused.status_code == 429
