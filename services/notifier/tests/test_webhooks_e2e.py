"""Through the whole system: an approval in trips-api reaches a signed webhook and the stream.

Real processes around the real broker, started as the end-to-end tests start
them; catch-up is off (an hour), so the entry arrives through the broker.
"""

import importlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import httpx
import pytest
from standardwebhooks import Webhook

from notifier.channels.testing import Receiver
from periplus.testing import Broker, eventually
from services.notifier.tests.test_stream import Reader

pytestmark = pytest.mark.e2e


def e2e(name: str) -> ModuleType:
    """A module of the end-to-end suite (``tests/e2e``), which starts the services."""
    root = str(Path(__file__).resolve().parents[3])
    if root not in sys.path:
        sys.path.append(root)
    return importlib.import_module(f"tests.e2e.{name}")


@pytest.fixture
def own_broker() -> Iterator[Broker]:
    """A broker of this test's own: a shared one holds other tests' ledger announcements."""
    instance = Broker()
    instance.start()
    yield instance
    instance.stop()


@pytest.mark.backends("sqlite")  # the path to a receiver; tests/faults covers PostgreSQL
def test_an_approval_reaches_a_signed_webhook_and_the_live_stream(
    own_broker: Broker, make_database: Callable[[str], str], tmp_path: Path
) -> None:
    system_module, test_flow = e2e("system"), e2e("test_flow")
    databases = {name: make_database(name) for name in ("trips-api", "ledger", "notifier")}
    with (
        Receiver() as receiver,
        system_module.System(
            own_broker,
            databases,
            tmp_path,
            LEDGER_CATCHUP_INTERVAL="3600",
            NOTIFIER_CATCHUP_INTERVAL="3600",
        ) as system,
        httpx.Client(base_url=system.urls["trips-api"], timeout=30) as trips,
    ):
        public = system.urls["notifier"]
        created = httpx.post(
            f"{public}/v1/subscriptions", json={"url": receiver.url, "types": ["trip.approved"]}
        )
        assert created.status_code == 201, created.text
        secret = created.json()["secret"]
        writer, approver = system.key("trips:write"), system.key("trips:approve")
        if hasattr(test_flow, "register_departments"):
            test_flow.register_departments(trips, system.key("admin"))
        with httpx.stream("GET", f"{public}/v1/stream", timeout=60) as response:
            assert response.status_code == 200
            reader = Reader(response)
            trip_id = test_flow.approve_trip(system, trips, writer, approver)
            event = reader.next()
        assert event["event"] == "trip.approved"
        assert event["data"]["data"]["trip_id"] == trip_id
        (got,) = eventually(receiver.accepted, timeout=30)
        payload = Webhook(secret).verify(got.body, got.headers)
        assert payload["type"] == "trip.approved"
        assert payload["data"]["trip_id"] == trip_id
        assert str(payload["data"]["ledger_index"]) == event["id"]
        assert payload["data"]["event"] == event["data"]["data"]["event"]
