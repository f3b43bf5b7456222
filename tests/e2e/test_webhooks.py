"""Through the whole system: an approval in trips-api reaches a signed webhook and the stream.

Real processes around the real broker, started as the end-to-end tests start
them; catch-up is off (an hour), so the entry arrives through the broker.
"""

import httpx
import pytest
from standardwebhooks import Webhook

from notifier.channels.testing import Reader, Receiver
from periplus.testing import eventually
from tests.e2e.conftest import StartSystem
from tests.e2e.helpers import approve_trip, register_departments

pytestmark = pytest.mark.e2e


@pytest.mark.backends("sqlite")  # the path to a receiver; tests/faults covers PostgreSQL
def test_an_approval_reaches_a_signed_webhook_and_the_live_stream(
    start_system: StartSystem,
) -> None:
    system = start_system(LEDGER_CATCHUP_INTERVAL="3600", NOTIFIER_CATCHUP_INTERVAL="3600")
    with (
        Receiver() as receiver,
        httpx.Client(base_url=system.urls["trips-api"], timeout=30) as trips,
    ):
        public = system.urls["notifier"]
        created = httpx.post(
            f"{public}/v1/subscriptions", json={"url": receiver.url, "types": ["trip.approved"]}
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        writer, approver = system.key("trips:write"), system.key("trips:approve")
        register_departments(trips, system.key("admin"))
        with httpx.stream("GET", f"{public}/v1/stream", timeout=60) as response:
            assert response.status_code == 200
            reader = Reader(response)
            trip_id = approve_trip(system, trips, writer, approver)
            event = reader.next()
        assert event["event"] == "trip.approved"
        assert event["data"]["data"]["trip_id"] == trip_id
        (got,) = eventually(receiver.accepted, timeout=30)
        payload = Webhook(secret).verify(got.body, got.headers)
        assert payload["type"] == "trip.approved"
        assert payload["data"]["trip_id"] == trip_id
        assert str(payload["data"]["ledger_index"]) == event["id"]
        assert payload["data"]["event"] == event["data"]["data"]["event"]
