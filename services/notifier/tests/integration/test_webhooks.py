"""Webhooks against a real HTTP receiver: signatures, filters, retries, dead letters."""

import uuid
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook, WebhookVerificationError

from notifier.channels.testing import Entries, Receiver, ingest, settings, subscribe
from notifier.main import build
from periplus.testing import Server, eventually


def verified(secret: str, received: Any) -> dict[str, Any]:
    payload: dict[str, Any] = Webhook(secret).verify(received.body, received.headers)
    return payload


def test_entries_arrive_signed_per_standard_webhooks(database_url: str, receiver: Receiver) -> None:
    entries, trip = Entries(), str(uuid.uuid4())
    with Server(build(settings(database_url))) as server:
        created = subscribe(server, url=receiver.url, description="Newsroom")
        assert created["secret"].startswith("whsec_")
        assert created["token"].startswith("whtok_")
        ingest(server, entries.approved(trip))
        (got,) = eventually(receiver.accepted)
        payload = verified(created["secret"], got)
        assert payload["type"] == "trip.approved"
        assert payload["data"]["ledger_index"] == 0
        assert payload["data"]["trip_id"] == trip
        assert payload["data"]["trip_url"] == f"https://trips.example.org/trips/{trip}"
        assert payload["data"]["event"]["data"]["trip"]["reference"] == "MVD-2027-0001"
        assert got.headers["webhook-id"].startswith("msg_")
        assert got.headers["webhook-signature"].startswith("v1,")
        with pytest.raises(WebhookVerificationError):
            Webhook("whsec_" + "A" * 44).verify(got.body, got.headers)
        tampered = dict(got.headers, **{"webhook-id": "msg_other"})
        with pytest.raises(WebhookVerificationError):
            Webhook(created["secret"]).verify(got.body, tampered)

        auth = {"Authorization": f"Bearer {created['token']}"}
        log = httpx.get(f"{server.url}/v1/subscriptions/{created['id']}/deliveries", headers=auth)
        (delivery,) = log.json()["deliveries"]
        assert delivery["id"] == got.headers["webhook-id"]
        created_at = datetime.fromisoformat(delivery["created_at"])
        retry_until = datetime.fromisoformat(delivery["retry_until"])
        assert retry_until - created_at == timedelta(seconds=0.05 + 0.2 * 30)  # the schedule's
        assert (delivery["status"], delivery["attempts"], delivery["ledger_index"]) == (
            "delivered",
            1,
            0,
        )


def test_filters_choose_what_each_receiver_gets(database_url: str, receiver: Receiver) -> None:
    entries = Entries()
    mobility, health = str(uuid.uuid4()), str(uuid.uuid4())
    with Server(build(settings(database_url))) as server:
        by_department = subscribe(server, url=receiver.url + "?d", departments=["mobility"])
        by_goal = subscribe(server, url=receiver.url + "?g", sdg_goals=[3])
        by_trip = subscribe(server, url=receiver.url + "?t", trip_ids=[health])
        by_type = subscribe(server, url=receiver.url + "?y", types=["trip.cancelled"])
        ingest(
            server,
            entries.approved(mobility),
            entries.approved(
                health, reference="MVD-2027-0002", departments=("Health",), sdg_goals=(3,)
            ),
            entries.make("trip.cancelled", health, {"reference": "MVD-2027-0002", "reason": "Flu"}),
        )
        eventually(lambda: len(receiver.accepted()) == 6)
        got: dict[str, list[tuple[str, int]]] = {}
        secrets = {"d": by_department, "g": by_goal, "t": by_trip, "y": by_type}
        for item in receiver.accepted():
            for key, sub in secrets.items():
                try:
                    payload = Webhook(sub["secret"]).verify(item.body, item.headers)
                except WebhookVerificationError:
                    continue
                got.setdefault(key, []).append((payload["type"], payload["data"]["ledger_index"]))
        assert sorted(got["d"]) == [("trip.approved", 0)]
        assert sorted(got["g"]) == [("trip.approved", 1), ("trip.cancelled", 2)]
        assert sorted(got["t"]) == [("trip.approved", 1), ("trip.cancelled", 2)]
        assert sorted(got["y"]) == [("trip.cancelled", 2)]


@pytest.mark.parametrize("outage", ["fail", "hang"])
def test_a_receiver_that_recovers_gets_every_delivery_once_per_webhook_id(
    database_url: str, receiver: Receiver, outage: str
) -> None:
    entries, trip = Entries(), str(uuid.uuid4())
    # A deadline with room for a prompt answer on a busy machine: an answer that came
    # after it would be counted as no answer, and sent again, as it should be.
    receiver.mode, receiver.hang_seconds = outage, 2.5
    with Server(build(settings(database_url, webhook_timeout=1.0))) as server:
        created = subscribe(server, url=receiver.url)
        auth = {"Authorization": f"Bearer {created['token']}"}
        ingest(
            server,
            entries.approved(trip),
            entries.make("trip.cancelled", trip, {"reference": "MVD-2027-0001", "reason": "Storm"}),
        )
        test = httpx.post(f"{server.url}/v1/subscriptions/{created['id']}/test", headers=auth)
        assert test.status_code == 202
        expected = 3

        def retried() -> bool:  # newer entries wait behind the oldest: not all retry
            tries = Counter(r.headers["webhook-id"] for r in receiver.all())
            return len(tries) == expected and sorted(tries.values())[-2] >= 2

        eventually(retried)
        failed_ids = {r.headers["webhook-id"] for r in receiver.all()}
        receiver.mode = "ok"
        eventually(lambda: len({r.headers["webhook-id"] for r in receiver.accepted()}) == expected)

        def statuses() -> set[str]:  # recorded once the receiver's answer is read
            url = f"{server.url}/v1/subscriptions/{created['id']}/deliveries"
            return {d["status"] for d in httpx.get(url, headers=auth).json()["deliveries"]}

        eventually(lambda: statuses() == {"delivered"})

    accepted = receiver.accepted()
    per_id = Counter(r.headers["webhook-id"] for r in accepted)
    assert set(per_id) == failed_ids
    assert set(per_id.values()) == {1}
    kinds = sorted(verified(created["secret"], r)["type"] for r in accepted)
    assert kinds == ["trip.approved", "trip.cancelled", "webhook.test"]


def test_dead_letters_are_listed_and_can_be_sent_again(
    database_url: str, receiver: Receiver
) -> None:
    entries, trip = Entries(), str(uuid.uuid4())
    receiver.mode = "fail"
    with Server(build(settings(database_url, webhook_retry_schedule=[0.05]))) as server:
        created = subscribe(server, url=receiver.url)
        base = f"{server.url}/v1/subscriptions/{created['id']}"
        auth = {"Authorization": f"Bearer {created['token']}"}
        ingest(server, entries.approved(trip))

        def dead() -> list[dict[str, Any]]:
            page = httpx.get(f"{base}/deliveries", params={"status": "dead"}, headers=auth)
            found: list[dict[str, Any]] = page.json()["deliveries"]
            return found

        (letter,) = eventually(dead)
        assert letter["attempts"] >= 2
        assert letter["last_status"] == 503
        detail = httpx.get(f"{base}/deliveries/{letter['id']}", headers=auth).json()
        assert [a["number"] for a in detail["log"]] == list(range(1, letter["attempts"] + 1))
        assert all(a["status_code"] == 503 for a in detail["log"])
        receiver.mode = "ok"
        again = httpx.post(f"{base}/deliveries/{letter['id']}/retry", headers=auth)
        assert again.status_code == 202
        assert again.json()["status"] == "pending"
        (got,) = eventually(receiver.accepted)
        assert got.headers["webhook-id"] == letter["id"]
        assert verified(created["secret"], got)["data"]["ledger_index"] == 0
        twice = httpx.post(f"{base}/deliveries/{letter['id']}/retry", headers=auth)
        assert twice.status_code == 409
        assert twice.headers["content-type"] == "application/problem+json"


def test_a_receiver_that_answers_gone_is_unsubscribed(
    database_url: str, receiver: Receiver
) -> None:
    entries = Entries()
    receiver.mode = "gone"
    with Server(build(settings(database_url))) as server:
        created = subscribe(server, url=receiver.url)
        auth = {"Authorization": f"Bearer {created['token']}"}
        url = f"{server.url}/v1/subscriptions/{created['id']}"
        ingest(server, entries.approved(str(uuid.uuid4())))
        eventually(lambda: httpx.get(url, headers=auth).json()["status"] == "disabled")
        ingest(server, entries.approved(str(uuid.uuid4()), reference="MVD-2027-0002"))
        log = httpx.get(f"{url}/deliveries", headers=auth).json()["deliveries"]
    assert [(d["ledger_index"], d["status"], d["last_status"]) for d in log] == [(0, "dead", 410)]
    assert len(receiver.all()) == 1
