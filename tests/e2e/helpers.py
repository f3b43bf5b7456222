"""What the end-to-end and fault tests do to the running system as a city would: register
departments, create, submit and approve a trip; and what they read of its metrics."""

from typing import Any

import httpx

from tests.e2e.system import System


def trip_example(trips: httpx.Client) -> dict[str, Any]:
    """The example the OpenAPI document gives for creating a trip: what a developer pastes."""
    operation = trips.get("/openapi.json").json()["paths"]["/v1/trips"]["post"]
    content = operation["requestBody"]["content"]["application/json"]
    if "examples" in content:
        return dict(next(iter(content["examples"].values()))["value"])
    if "example" in content:
        return dict(content["example"])
    ref = content["schema"]["$ref"].rsplit("/", 1)[-1]
    schema = trips.get("/openapi.json").json()["components"]["schemas"][ref]
    return dict(schema["examples"][0])


def register_departments(trips: httpx.Client, admin: str) -> None:
    """The departments that the example trip names, added to the city's registry."""
    example = trip_example(trips)
    for code in {example["lead_department"], *example["departments"]}:
        name = code.replace("-", " ").capitalize()
        added = trips.post(
            "/v1/departments", json={"code": code, "name": name}, headers=auth(admin)
        )
        assert added.status_code == 201, added.text


def approve_trip(system: System, trips: httpx.Client, writer: str, approver: str) -> str:
    created = trips.post("/v1/trips", json=trip_example(trips), headers=auth(writer))
    assert created.status_code == 201, created.text
    trip_id = str(created.json()["id"])
    submitted = trips.post(f"/v1/trips/{trip_id}/submit", headers=auth(writer))
    assert submitted.status_code == 200, submitted.text
    approved = trips.post(f"/v1/trips/{trip_id}/approve", headers=auth(approver))
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    return trip_id


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def published(trips: httpx.Client) -> float:
    """How many events the trips-api relay has had acknowledged by the broker."""
    for line in trips.get("/metrics").text.splitlines():
        if line.startswith('outbox_published_total{topic="trips.events.v1"}'):
            return float(line.rsplit(" ", 1)[1])
    return 0.0
