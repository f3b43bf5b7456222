"""Sources of events besides the city's trips-api, configured in the ledger and the notifier:
one whose catch-up endpoint the tests fill, one that accepts connections and never answers."""

import base64
import json
import uuid
from typing import Any

from fastapi import FastAPI, Query

from notifier.channels.testing import snapshot
from periplus.events import TRIPS_TOPIC
from periplus.keyfile import from_seed
from periplus.note import Signer
from periplus.testing import Broker, Server, produce, signed_as_is

OTHER = Signer("other-city/trips-api", from_seed(base64.b64encode(bytes([7]) * 32).decode()))
SILENT = Signer("silent-city/trips-api", from_seed(base64.b64encode(bytes([9]) * 32).decode()))
# Not a key of OTHER's, though it signs under OTHER's name.
STRANGER = Signer(OTHER.name, from_seed(base64.b64encode(bytes([8]) * 32).decode()))


class CatchUp(Server):
    """A source's catch-up endpoint (``GET /v1/events``) over real HTTP, serving ``events``,
    the source's own store."""

    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        app = FastAPI()

        @app.get("/v1/events")
        def events(after: int = 0, limit: int = Query(100, le=1000)) -> dict[str, Any]:
            found = [e for e in self.events if e["seq"] > after][:limit]
            return {"events": found, "last_seq": found[-1]["seq"] if found else after}

        super().__init__(app)


def signed(signer: Signer, seq: int, data: dict[str, Any]) -> dict[str, Any]:
    """A ``trip.approved`` of ``signer``'s source as sent, signed whatever its content."""
    body = {
        "spec": "periplus.event/2",
        "id": str(uuid.uuid4()),
        "source": signer.name,
        "seq": seq,
        "type": "trip.approved",
        "trip_id": str(uuid.uuid4()),
        "occurred_at": "2027-01-27T10:00:00Z",
        "data": data,
    }
    return signed_as_is(signer, body)


def trip(reference: str) -> dict[str, Any]:
    """The data of a well-formed approval."""
    return {"trip": snapshot(reference=reference)}


def publish(broker: Broker, events: list[dict[str, Any]]) -> None:
    """Straight onto the events topic, as a source's relay would."""
    produce(broker.connection, TRIPS_TOPIC, (json.dumps(event).encode() for event in events))
