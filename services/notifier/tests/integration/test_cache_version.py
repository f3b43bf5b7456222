"""The kept answers' version: cheap on every request, and right for every notifier process
on one database (a replica sees an entry another process folded at once)."""

import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, event, text

from notifier import state
from notifier.testing import Site, life, serve

pytestmark = pytest.mark.backends("sqlite", "postgresql")

TRIP = str(uuid.UUID(int=62))
REFERENCE = "MVD-2026-0062"


def get(url: str, **kwargs: Any) -> httpx.Response:
    """A first answer may take long on a busy machine: it builds the page."""
    return httpx.get(url, timeout=120, **kwargs)


class Uses:
    """What an engine's pool and connections are asked for, counted by its own events."""

    def __init__(self, engine: Engine) -> None:
        self.checkouts: list[object] = []
        self.statements: list[str] = []
        event.listen(engine, "checkout", self._checkout)
        event.listen(engine, "before_cursor_execute", self._statement)

    def _checkout(self, *connection: Any) -> None:
        self.checkouts.append(connection)

    def _statement(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements.append(statement)


@pytest.mark.parametrize("path", ["/", f"/trips/{TRIP}?lang=en", "/feed.atom", "/data/trips.csv"])
def test_a_kept_answer_takes_no_connection_from_the_pool(approved_site: Site, path: str) -> None:
    first = get(f"{approved_site.url}{path}")
    assert first.status_code == 200
    uses = Uses(state.of(approved_site.app).engine)
    for _ in range(5):
        again = get(f"{approved_site.url}{path}")
        assert (again.status_code, again.content) == (200, first.content)
    assert (uses.checkouts, uses.statements) == ([], [])


def test_another_process_s_entry_is_seen_by_a_replica_at_once(database_url: str) -> None:
    for writer in serve(database_url):
        for replica in serve(database_url):
            writer.feed(life(TRIP, REFERENCE)[:1])
            page = get(f"{replica.url}/trips/{TRIP}?lang=en")
            tag = page.headers["etag"]
            kept = get(f"{replica.url}/trips/{TRIP}?lang=en", headers={"If-None-Match": tag})
            assert kept.status_code == 304
            writer.feed(life(TRIP, REFERENCE)[1:4])  # amended, completed, reported
            fresh = get(f"{replica.url}/trips/{TRIP}?lang=en", headers={"If-None-Match": tag})
            assert fresh.status_code == 200
            assert "Tender for ten buses" not in page.text
            assert "Tender for ten buses" in fresh.text
            feed = get(f"{replica.url}/feed.json").json()["items"]
            assert len(feed) == 4


def test_a_lost_connection_is_replaced_without_failing_a_reader(
    approved_site: Site, backend: str
) -> None:
    if backend != "postgresql":
        pytest.skip("only PostgreSQL ends a session from outside")
    page = get(f"{approved_site.url}/trips/{TRIP}?lang=en")
    engine = state.of(approved_site.app).engine
    with engine.connect() as connection:  # as a restarted server or a failover would
        connection.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    approved_site.feed(life(TRIP, REFERENCE)[1:4])
    fresh = get(f"{approved_site.url}/trips/{TRIP}?lang=en")
    assert fresh.status_code == 200
    assert fresh.headers["etag"] != page.headers["etag"]
    assert "Tender for ten buses" in fresh.text


@pytest.mark.parametrize("path", ["/data/trips.csv", "/data/datapackage.json", "/feed.json"])
def test_downloads_and_feeds_answer_a_conditional_get_with_304(
    approved_site: Site, path: str
) -> None:
    first = get(f"{approved_site.url}{path}")
    assert first.status_code == 200
    tag = first.headers["etag"]
    again = get(f"{approved_site.url}{path}", headers={"If-None-Match": f'"other", {tag}'})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
