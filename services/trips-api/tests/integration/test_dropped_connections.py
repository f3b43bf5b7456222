"""A PostgreSQL connection dropped by the server (a restart, a failover) costs no accepted
write: one that sat unused is tried and replaced before use, and one dropped in steady use
fails its request with a 503 that a retry under the same Idempotency-Key answers once."""

import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from trips_api.testing import Api, make_settings, serve
from trips_api.trips import examples


@pytest.fixture(autouse=True)
def postgresql(backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("a SQLite connection is a file the server cannot drop")


def drop_connections(database_url: str) -> None:
    """End every other session on the database, as a restarted server would."""
    admin = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    with admin.connect() as connection:
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    admin.dispose()


def create(api: Api, idempotency_key: str) -> httpx.Response:
    return api.as_("writer").post(
        "/v1/trips", json=examples.trip(), headers={"Idempotency-Key": idempotency_key}
    )


def trips(api: Api) -> int:
    return len(api.as_("admin").get("/v1/trips").json()["trips"])


@pytest.fixture
def idle_tried(database_url: str) -> Iterator[Api]:
    yield from serve(make_settings(database_url, database_ping_idle=0.2))


def test_a_connection_dropped_while_unused_is_replaced_before_the_next_write(
    idle_tried: Api, database_url: str
) -> None:
    assert create(idle_tried, str(uuid.uuid4())).status_code == 201
    drop_connections(database_url)
    time.sleep(0.3)  # longer than database_ping_idle
    answer = create(idle_tried, str(uuid.uuid4()))
    assert answer.status_code == 201, answer.text
    assert trips(idle_tried) == 2


def test_a_connection_dropped_in_use_fails_its_write_with_503_and_the_retry_acts_once(
    api: Api, database_url: str
) -> None:
    assert create(api, str(uuid.uuid4())).status_code == 201
    drop_connections(database_url)
    key = str(uuid.uuid4())
    refused = create(api, key)
    assert refused.status_code == 503, refused.text
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"] == "1"
    assert refused.json()["detail"] == "The database cannot be reached just now; retry shortly."
    retried = create(api, key)
    assert retried.status_code == 201, retried.text
    assert create(api, key).headers["idempotent-replayed"] == "true"
    assert trips(api) == 2
