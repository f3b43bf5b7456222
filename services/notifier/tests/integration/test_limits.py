"""What one client may take, over real HTTP: counted by the address the app sees (the
client behind the trusted proxy, loopback here, as ``X-Forwarded-For`` names it) and by
the network around it, an IPv4 /24 or an IPv6 /64."""

import httpx
import pytest

from notifier.channels.testing import settings
from notifier.main import build
from periplus.testing import Server

pytestmark = pytest.mark.backends("sqlite")


def _as(address: str) -> dict[str, str]:
    return {"X-Forwarded-For": address}


def _refused(response: httpx.Response) -> bool:
    return (
        response.status_code == 429
        and response.headers["content-type"] == "application/problem+json"
        and int(response.headers["retry-after"]) > 0
    )


def test_new_subscriptions_are_limited_per_address_and_per_network(database_url: str) -> None:
    limits = {"subscription_create_limit": 2, "subscription_create_network_limit": 3}
    with Server(build(settings(database_url, **limits))) as server:

        def subscribe(address: str) -> httpx.Response:
            body = {"url": "https://news.example.org/hook"}
            return httpx.post(f"{server.url}/v1/subscriptions", json=body, headers=_as(address))

        assert [subscribe("198.51.100.1").status_code for _ in range(2)] == [201, 201]
        assert _refused(subscribe("198.51.100.1"))
        assert subscribe("198.51.100.2").status_code == 201
        refused = subscribe("198.51.100.3")  # a fresh address, in a network that has used all
        assert _refused(refused)
        assert "address or network" in refused.json()["detail"]
        assert subscribe("198.51.101.1").status_code == 201  # the next /24
        assert [subscribe("2001:db8:1:2::1").status_code for _ in range(2)] == [201, 201]
        assert subscribe("2001:db8:1:2:ffff::9").status_code == 201
        assert _refused(subscribe("2001:db8:1:2::7"))  # the same /64, which has used all 3
        assert subscribe("2001:db8:1:3::1").status_code == 201


def test_open_data_reads_are_limited_per_address_and_per_network(database_url: str) -> None:
    limits = {"bulk_read_limit": 2, "bulk_read_network_limit": 3}
    with Server(build(settings(database_url, **limits))) as server:

        def read(path: str, address: str) -> httpx.Response:
            return httpx.get(f"{server.url}{path}", headers=_as(address))

        first = read("/data/trips.csv", "192.0.2.10")
        assert first.status_code == 200
        again = read("/data/trips.csv", "192.0.2.10")  # the same answer, kept: it counts too
        assert again.status_code == 200
        assert again.content == first.content
        refused = read("/data/datapackage.json", "192.0.2.10")
        assert _refused(refused)
        assert refused.json()["status"] == 429
        assert refused.headers["content-security-policy"]  # answered inside the site's headers
        assert read("/feed.json", "192.0.2.10").status_code == 200  # a page is no bulk read
        assert read("/data/costs.jsonl", "192.0.2.11").status_code == 200
        assert _refused(read("/data/costs.jsonl", "192.0.2.12"))  # its /24 has used all 3
        assert read("/data/costs.jsonl", "192.0.3.12").status_code == 200


def test_pages_made_afresh_are_limited_per_client_and_kept_ones_are_free(
    database_url: str,
) -> None:
    limits = {"page_render_limit": 2, "page_render_network_limit": 3}
    with Server(build(settings(database_url, **limits))) as server:

        def read(path: str, address: str) -> httpx.Response:
            return httpx.get(f"{server.url}{path}", headers=_as(address))

        assert read("/", "203.0.113.5").status_code == 200
        for _ in range(5):  # the same page again: answered from the cache, it costs nothing
            assert read("/", "203.0.113.5").status_code == 200
        assert read("/map", "203.0.113.5").status_code == 200
        refused = read("/emissions?junk=1", "203.0.113.5")  # made up to miss the cache
        assert _refused(refused)
        assert refused.json()["status"] == 429
        assert "pages made afresh" in refused.json()["detail"]
        assert refused.headers["cache-control"] == "no-store"
        # Out of renders, it gets no kept answer either: it cannot probe what others read.
        assert _refused(read("/", "203.0.113.5"))
        assert read("/", "203.0.113.6").status_code == 200  # a neighbour's kept answer: free
        assert read("/feed.json", "203.0.113.6").status_code == 200  # the network's third
        assert read("/map", "203.0.113.7").status_code == 200  # kept: free
        assert _refused(read("/?junk=2", "203.0.113.7"))  # its /24 has made 3
        assert read("/?junk=2", "203.0.114.7").status_code == 200
        assert read("/healthz", "203.0.113.5").status_code == 200  # not a public page


def test_requests_relayed_to_the_ledger_are_limited_per_address_and_per_network(
    database_url: str,
) -> None:
    limits = {"verify_relay_limit": 2, "verify_relay_network_limit": 3}
    with Server(build(settings(database_url, **limits))) as server:

        def relay(address: str) -> httpx.Response:
            return httpx.get(f"{server.url}/v1/verify/checkpoint", headers=_as(address))

        assert [relay("198.51.100.40").status_code != 429 for _ in range(2)] == [True, True]
        refused = relay("198.51.100.40")
        assert _refused(refused)
        assert "requests of the ledger" in refused.json()["detail"]
        assert relay("198.51.100.41").status_code != 429
        assert _refused(relay("198.51.100.42"))  # its /24 has made 3
        assert httpx.get(f"{server.url}/", headers=_as("198.51.100.40")).status_code == 200
