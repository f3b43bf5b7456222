"""A write behind the event counter's lock fails fast, or goes on once a lost holder's
session is ended, rather than hang; on the real databases."""

from collections.abc import Iterator

import psycopg
import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import DBAPIError

from periplus import db
from trips_api.testing import Api, make_settings, serve

HOLD = "UPDATE counter SET value = value WHERE name = 'event_seq'"


def submitted(api: Api) -> str:
    trip = api.create()
    api.post_ok("writer", f"/v1/trips/{trip['id']}/submit")
    return str(trip["id"])


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    yield from serve(make_settings(database_url, database_lock_timeout=1.0))


def test_a_write_behind_a_held_counter_fails_fast_with_a_clear_problem(
    api: Api, database_url: str
) -> None:
    trip = submitted(api)
    other = db.make_engine(database_url)  # another trips-api, in the middle of a write
    holder: Connection = other.connect()
    holder.execute(text(HOLD))
    answer = api.as_("approver").post(f"/v1/trips/{trip}/approve", json={})
    holder.rollback()
    holder.close()
    other.dispose()
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "1"
    # The lock timeout acted (not the statement timeout, nor a broken connection).
    assert answer.json()["detail"] == (
        "Another transaction holds a lock this request needs; retry shortly."
    )
    again = api.as_("approver").post(f"/v1/trips/{trip}/approve", json={})
    assert again.status_code == 200, again.text


def test_a_holder_lost_mid_transaction_holds_writes_only_until_its_session_ends(
    database_url: str, backend: str
) -> None:
    if backend == "sqlite":
        pytest.skip("a SQLite lock goes with the process that holds it")
    lost_settings = make_settings(
        database_url,
        database_idle_in_transaction_timeout=1.5,
    )
    for api in serve(make_settings(database_url)):  # waits up to 10 s for a lock
        trip = submitted(api)
        lost = db.make_engine(database_url, lost_settings.database_limits())
        holder = lost.connect()
        holder.execute(text(HOLD))  # then the host is gone: its session says nothing more
        answer = api.as_("approver").post(f"/v1/trips/{trip}/approve", json={})
        assert answer.status_code == 200, answer.text
        # The holder never let go: the server ended its session for idling in its
        # transaction, which freed the counter (the request's own lock limit did not act).
        with pytest.raises(DBAPIError) as caught:
            holder.execute(text("SELECT 1"))
        assert isinstance(caught.value.orig, psycopg.errors.IdleInTransactionSessionTimeout)
        holder.invalidate()
        lost.dispose()
