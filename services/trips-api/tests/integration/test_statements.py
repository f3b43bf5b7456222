"""How many SQL statements a create, a submit and an approval cost: each is a round trip
that the request waits for, so the counts are held down here."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event

from trips_api.idempotency import service as idempotency_service
from trips_api.keys import service as keys_service
from trips_api.testing import Api, World
from trips_api.trips import examples
from trips_api.trips.schemas.requests import TripFields
from trips_api.trips.service import lifecycle


@pytest.fixture(autouse=True)
def _no_sweep(monkeypatch: pytest.MonkeyPatch) -> None:
    """The now-and-then sweep of expired answers (one request in a hundred) is a statement
    more, which sends the writes waiting before it apart from those after it: not counted."""
    monkeypatch.setattr(idempotency_service, "SWEEP_CHANCE", 0.0)


@contextmanager
def _counted(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(*args: Any) -> None:
        statement = " ".join(str(args[2]).split())
        # SQLite's BEGIN, and the now-and-then sweep of expired answers, are not per request;
        # nor is the outbox relay's work, on its own thread at its own time.
        relay = "relay_cursor" in statement or "lease" in statement
        if not relay and not statement.startswith(
            ("BEGIN", "DELETE FROM idempotency_record", "SELECT event.seq")
        ):
            statements.append(statement.split(" ", 1)[0])

    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def _post(api: Api, role: str, path: str, body: Any = None) -> tuple[dict[str, Any], list[str]]:
    with _counted(api.app.state.engine) as statements:
        response = api.as_(role).post(
            path, json=body, headers={"Idempotency-Key": str(uuid.uuid4())}
        )
    assert response.status_code in (200, 201), response.text
    return response.json(), statements


def test_create_submit_approve_statements(api: Api) -> None:
    _post(api, "writer", "/v1/trips", examples.trip())  # reads the registry, changed by setup
    trip, created = _post(api, "writer", "/v1/trips", examples.trip())
    _, submitted = _post(api, "writer", f"/v1/trips/{trip['id']}/submit")
    _, approved = _post(api, "approver", f"/v1/trips/{trip['id']}/approve")
    # The writes no one reads back wait for the commit; on PostgreSQL they go as one
    # statement (``periplus.deferred``). (Compare the kinds, sorted.)
    together = api.app.state.engine.dialect.name == "postgresql"
    # The key with its earlier answer and the registry's stamp (the departments unchanged
    # since, so known); the counter; the trip, its version, the answer.
    writes = ["WITH"] if together else ["INSERT"] * 3
    assert sorted(created) == sorted(["SELECT", "UPDATE", *writes])
    # The key with its earlier answer and the trip, locked; the trip, its version, the answer.
    writes = ["WITH"] if together else ["INSERT"] * 2 + ["UPDATE"]
    assert sorted(submitted) == sorted(["SELECT", *writes])
    # As a submit, with four eyes in one query, and the event with its counter (which need
    # not wait for the writes before it).
    writes = ["WITH"] if together else ["INSERT"] * 3 + ["UPDATE"]
    assert sorted(approved) == sorted(["SELECT", "WITH", "UPDATE", *writes])


def test_a_changed_registry_is_read_again(api: Api) -> None:
    _post(api, "writer", "/v1/trips", examples.trip())
    renamed = api.as_("admin").patch("/v1/departments/mobility", json={"name": "Transport"})
    assert renamed.status_code == 200, renamed.text
    trip, created = _post(api, "writer", "/v1/trips", examples.trip())
    _post(api, "writer", f"/v1/trips/{trip['id']}/submit")
    _post(api, "approver", f"/v1/trips/{trip['id']}/approve")
    # The stamp with the key, then the rows of the registry, once.
    assert sorted(created).count("SELECT") == 2
    approved = next(e for e in api.events() if e["type"] == "trip.approved")["data"]["trip"]
    assert "Transport" in approved["departments"]


def test_a_change_reads_its_trip_with_its_key_only_if_the_key_authenticates(
    service: World,
) -> None:
    w = service
    token = keys_service.create(w.session, "writer3", ["trips:write"])[1]
    body = TripFields.model_validate(examples.trip())
    trip = lifecycle.create(w.session, w.settings, body, w.keys["writer"])
    w.session.commit()
    trip_id, engine = uuid.UUID(trip.id), w.session.get_bind()
    assert isinstance(engine, Engine)
    wrong = token[:-1] + ("A" if token[-1] != "A" else "B")
    assert keys_service.authenticate(w.session, wrong, None, trip_id) is None
    with _counted(engine) as statements:  # neither read nor locked with that key
        assert lifecycle.get(w.session, trip_id, for_update=True).id == trip.id
    assert statements == ["SELECT"]
    w.session.rollback()
    assert keys_service.authenticate(w.session, token, str(uuid.uuid4()), trip_id) is not None
    with _counted(engine) as statements:
        read = lifecycle.get(w.session, trip_id, for_update=True)
    assert (read.id, read.version, read.record, statements) == (trip.id, 1, trip.record, [])
