"""Writes that race on PostgreSQL, where two requests write at once; SQLite takes one writing
transaction at a time (BEGIN IMMEDIATE), so there they cannot race."""

import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Connection, create_engine, text
from sqlalchemy.engine import make_url

from periplus.testing import eventually
from trips_api.testing import Api


@pytest.fixture(autouse=True)
def postgresql(backend: str) -> None:
    if backend == "sqlite":
        pytest.skip("SQLite takes one writing transaction at a time")


@pytest.fixture
def database(database_url: str) -> Iterator[Connection]:
    """A connection of the test's own to the service's database, outside the service."""
    engine = create_engine(make_url(database_url).set(drivername="postgresql+psycopg"))
    with engine.connect() as connection:
        yield connection
    engine.dispose()


def _waiting(database: Connection) -> int:
    """How many transactions wait for a lock now."""
    found = database.execute(text("SELECT count(*) FROM pg_locks WHERE NOT granted")).scalar()
    database.rollback()
    return int(found or 0)


def test_two_department_changes_under_the_same_etag_take_turns(
    api: Api, database: Connection
) -> None:
    path = "/v1/departments/mobility"
    etag = api.as_("admin").get(path).headers["ETag"]
    answers: dict[str, httpx.Response] = {}

    def rename(name: str) -> None:
        headers = {"Authorization": f"Bearer {api.keys['admin']}", "If-Match": etag}
        with httpx.Client(base_url=api.url, headers=headers, timeout=30) as client:
            answers[name] = client.patch(path, json={"name": name})

    # The row is held while both changes start, so that both have read it before either
    # writes: each must find, once it has the row, whether the other changed it first.
    engine = create_engine(database.engine.url)
    with engine.connect() as holder:
        holder.execute(text("SELECT 1 FROM department WHERE code = 'mobility' FOR UPDATE"))
        threads = [threading.Thread(target=rename, args=(n,)) for n in ("Transit", "Transport")]
        for thread in threads:
            thread.start()
        eventually(lambda: _waiting(database) == 2)
        holder.rollback()
    engine.dispose()
    for thread in threads:
        thread.join()
    assert sorted(a.status_code for a in answers.values()) == [200, 412]
    [(won, answer)] = [(n, a) for n, a in answers.items() if a.status_code == 200]
    now = api.as_("admin").get(path)
    assert (now.json()["name"], now.headers["ETag"]) == (won, answer.headers["ETag"])
    assert answer.headers["ETag"] == '"2"'  # one change after the first version
