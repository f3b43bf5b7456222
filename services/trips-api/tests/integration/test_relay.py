"""The outbox reaches a real Kafka-protocol broker: the approval's bytes, keyed by trip."""

import json
import time

import pytest

from periplus.events import TRIPS_TOPIC
from periplus.kafka import TopicReader
from periplus.testing import Broker, eventually
from trips_api import state
from trips_api.testing import Api, make_settings, serve


def _messages_for(broker: Broker, trip_id: str) -> list[bytes]:
    """Every message of the trips topic keyed by ``trip_id``, read from the start."""
    reader = TopicReader(broker.connection, TRIPS_TOPIC)
    try:
        reader.seek({})
        found: list[bytes] = []
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not found:
            found += [r.value for r in reader.poll(200) if r.key == trip_id.encode()]
        return found
    finally:
        reader.close()


def test_an_approval_is_relayed_to_the_broker_as_its_canonical_bytes(
    database_url: str, broker: Broker
) -> None:
    settings = make_settings(database_url, relay_enabled=True, kafka_bootstrap=broker.bootstrap)
    for api in serve(settings):
        trip_id = api.approved()["id"]
        messages = eventually(lambda: _messages_for(broker, trip_id), timeout=30)  # noqa: B023
        assert len(messages) == 1
        envelope = json.loads(messages[0])
        assert envelope == api.events()[0]
        assert envelope["type"] == "trip.approved"
        assert envelope["trip_id"] == trip_id


def test_the_relay_is_woken_only_by_a_write_that_added_events(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    wakes: list[None] = []
    monkeypatch.setattr(state.of(api.app).relay, "notify", lambda: wakes.append(None))
    trip = api.create()
    api.post_ok("writer", f"/v1/trips/{trip['id']}/submit")
    assert wakes == []  # a draft and its submission publish nothing
    api.post_ok("approver", f"/v1/trips/{trip['id']}/approve")
    assert len(wakes) == 1
