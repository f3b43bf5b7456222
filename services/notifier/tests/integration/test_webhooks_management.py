"""Managing subscriptions: validation, refused receivers, tokens, rotation, rate limits."""

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session
from standardwebhooks import Webhook

from notifier.channels.testing import Entries, Receiver, ingest, settings, subscribe
from notifier.channels.webhooks import repository, service
from notifier.channels.webhooks.schemas import SubscriptionCreate
from notifier.main import build
from notifier.testing import state_of
from periplus.testing import Server, eventually

# Managing subscriptions is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")


def test_private_and_loopback_receivers_are_refused_by_default(database_url: str) -> None:
    with Server(build(settings(database_url, allow_private_receivers=False))) as server:
        for url in (
            "http://127.0.0.1:8080/hook",
            "http://10.1.2.3/hook",
            "https://192.168.1.20/hook",
            "http://[::1]/hook",
            "http://169.254.169.254/latest/meta-data",
            "http://localhost/hook",
        ):
            response = httpx.post(f"{server.url}/v1/subscriptions", json={"url": url})
            assert response.status_code == 422, url
            assert response.headers["content-type"] == "application/problem+json"
            assert "private, loopback or reserved" in response.json()["detail"]


def test_bad_subscriptions_get_clear_problems(database_url: str) -> None:
    with Server(build(settings(database_url))) as server:
        endpoint = f"{server.url}/v1/subscriptions"
        for body, where in (
            ({"url": "ftp://example.org/x"}, "body.url"),
            ({"url": "https://user:pw@example.org/x"}, "body.url"),
            ({"url": "https://example.org/x", "sdg_goals": [18]}, "body.sdg_goals"),
            ({"url": "https://example.org/x", "types": ["trip.eaten"]}, "body.types"),
            ({"url": "https://example.org/x", "trip_ids": ["nope"]}, "body.trip_ids[0]"),
            ({"url": "https://example.org/x", "colour": "red"}, "body.colour"),
            ({"url": "https://example.org/" + "x" * 2000}, "body.url"),
        ):
            response = httpx.post(endpoint, json=body)
            assert response.status_code == 422, body
            assert where in {e["location"] for e in response.json()["errors"]}, body


def test_a_token_manages_its_own_subscriptions_only(database_url: str) -> None:
    with Server(build(settings(database_url))) as server:
        endpoint = f"{server.url}/v1/subscriptions"
        first = subscribe(server, url="https://a.example.org/hook")
        mine = {"Authorization": f"Bearer {first['token']}"}
        second = httpx.post(endpoint, json={"url": "https://b.example.org/h"}, headers=mine)
        assert second.status_code == 201
        assert second.json()["token"] is None
        other = subscribe(server, url="https://c.example.org/hook")
        theirs = {"Authorization": f"Bearer {other['token']}"}

        listed = httpx.get(endpoint, headers=mine).json()["subscriptions"]
        assert [s["url"] for s in listed] == [
            "https://a.example.org/hook",
            "https://b.example.org/h",
        ]
        assert all("secret" not in s for s in listed)
        assert httpx.get(endpoint).status_code == 401
        assert (
            httpx.get(endpoint, headers={"Authorization": "Bearer whtok_nope"}).status_code == 401
        )
        assert httpx.get(f"{endpoint}/{first['id']}", headers=theirs).status_code == 404
        assert httpx.delete(f"{endpoint}/{first['id']}", headers=theirs).status_code == 404

        assert httpx.delete(f"{endpoint}/{first['id']}", headers=mine).status_code == 204
        listed = httpx.get(endpoint, headers=mine).json()["subscriptions"]
        assert [s["id"] for s in listed] == [second.json()["id"]]


def test_after_rotation_both_secrets_verify_for_a_while(
    database_url: str,
) -> None:
    entries, trip = Entries(), str(uuid.uuid4())
    with Receiver() as receiver, Server(build(settings(database_url))) as server:
        created = subscribe(server, url=receiver.url)
        auth = {"Authorization": f"Bearer {created['token']}"}
        rotated = httpx.post(f"{server.url}/v1/subscriptions/{created['id']}/secret", headers=auth)
        assert rotated.status_code == 200
        new: dict[str, Any] = rotated.json()
        assert new["secret"].startswith("whsec_")
        assert new["secret"] != created["secret"]
        ingest(server, entries.approved(trip))
        (got,) = eventually(receiver.accepted)
        assert len(got.headers["webhook-signature"].split(" ")) == 2
        for secret in (created["secret"], new["secret"]):
            assert Webhook(secret).verify(got.body, got.headers)["data"]["trip_id"] == trip


def test_new_subscriptions_are_rate_limited_per_address(database_url: str) -> None:
    with Server(build(settings(database_url, subscription_create_limit=2))) as server:
        for _ in range(2):
            subscribe(server, url="https://a.example.org/hook")
        refused = httpx.post(
            f"{server.url}/v1/subscriptions", json={"url": "https://a.example.org/"}
        )
        assert refused.status_code == 429
        assert int(refused.headers["retry-after"]) > 0
        assert refused.headers["content-type"] == "application/problem+json"


def test_a_receiver_whose_name_now_points_inside_is_not_called(database_url: str) -> None:
    """The address is checked again before each attempt (a name may be re-pointed)."""
    entries, trip = Entries(), str(uuid.uuid4())
    strict = settings(database_url, allow_private_receivers=False, webhook_retry_schedule=[0.1])
    with Receiver() as receiver, Server(build(strict)) as server:
        with Session(state_of(server).engine) as session:
            body = SubscriptionCreate(url=receiver.url)
            sub, token = service.create(session, body, None, 10)
            session.commit()
            sub_id = sub.id
        ingest(server, entries.approved(trip))
        base = f"{server.url}/v1/subscriptions/{sub_id}"
        auth = {"Authorization": f"Bearer {token}"}

        def dead() -> list[dict[str, Any]]:
            page = httpx.get(f"{base}/deliveries", params={"status": "dead"}, headers=auth)
            found: list[dict[str, Any]] = page.json()["deliveries"]
            return found

        (letter,) = eventually(dead)
        assert "private, loopback or reserved" in letter["last_error"]
        assert letter["last_status"] is None
    assert receiver.all() == []


def test_finished_deliveries_leave_the_log_after_its_retention(database_url: str) -> None:
    entries = Entries()
    with Receiver() as receiver, Server(build(settings(database_url))) as server:
        created = subscribe(server, url=receiver.url)
        auth = {"Authorization": f"Bearer {created['token']}"}
        log_url = f"{server.url}/v1/subscriptions/{created['id']}/deliveries"
        ingest(server, entries.approved(str(uuid.uuid4())))
        eventually(receiver.accepted)
        eventually(lambda: httpx.get(log_url, headers=auth).json()["deliveries"][0]["delivered_at"])
        engine = state_of(server).engine
        with Session(engine) as session:
            assert repository.prune(session, datetime.now(UTC) - timedelta(days=1)) == 0
            assert repository.prune(session, datetime.now(UTC) + timedelta(seconds=1)) == 1
            session.commit()
        assert httpx.get(log_url, headers=auth).json()["deliveries"] == []
