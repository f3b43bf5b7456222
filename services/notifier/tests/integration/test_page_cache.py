"""Public answers kept per read-model version: fast under a spike, never stale."""

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest
from sqlmodel import Session

from notifier.channels.models import Notice
from notifier.testing import Site, life, serve

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

TRIP = str(uuid.UUID(int=61))


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    for running in serve(database_url):
        running.feed(life(TRIP, "MVD-2026-0061")[:1])  # approved only
        yield running


@pytest.mark.parametrize("path", ["/", f"/trips/{TRIP}", "/feed.atom", "/digest/2026"])
def test_a_conditional_get_of_an_unchanged_page_is_304(site: Site, path: str) -> None:
    first = httpx.get(f"{site.url}{path}")
    assert first.status_code == 200
    tag = first.headers["etag"]
    again = httpx.get(f"{site.url}{path}", headers={"If-None-Match": tag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
    assert httpx.get(f"{site.url}{path}").content == first.content


def test_a_new_entry_makes_every_kept_answer_stale(site: Site) -> None:
    page = httpx.get(f"{site.url}/trips/{TRIP}?lang=en")
    assert "Tender for ten buses" not in page.text
    site.feed(life(TRIP, "MVD-2026-0061")[1:4])  # amended, completed, reported
    fresh = httpx.get(
        f"{site.url}/trips/{TRIP}?lang=en", headers={"If-None-Match": page.headers["etag"]}
    )
    assert fresh.status_code == 200
    assert "Tender for ten buses" in fresh.text
    assert fresh.headers["etag"] != page.headers["etag"]


def test_the_reader_s_language_is_part_of_the_key(site: Site) -> None:
    english = httpx.get(f"{site.url}/", headers={"Accept-Language": "en"})
    french = httpx.get(f"{site.url}/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert english.headers["content-language"] == "en"
    assert french.headers["content-language"] == "fr"
    assert english.headers["etag"] != french.headers["etag"]


def test_kept_answers_carry_fresh_request_ids_and_the_security_headers(site: Site) -> None:
    answers = [httpx.get(f"{site.url}/feed.json") for _ in range(3)]
    assert len({a.headers["x-request-id"] for a in answers}) == 3
    for answer in answers:
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.json()["items"] == answers[0].json()["items"]


def test_an_alert_raised_without_a_new_entry_is_seen(site: Site) -> None:
    before = httpx.get(f"{site.url}/feed.json").json()["items"]
    with Session(site.app.state.engine) as session:  # as the periodic alert check records one
        session.add(
            Notice(
                ledger_index=0,
                sub=1,
                type="alert.report_overdue",
                trip_id=TRIP,
                departments=[],
                sdg_goals=[],
                body={"reference": "MVD-2026-0061", "title": "x", "due_date": "2026-04-12"},
                created_at=datetime.now(UTC),
            )
        )
        session.commit()
    after = httpx.get(f"{site.url}/feed.json").json()["items"]
    assert [item["id"] for item in after] == [
        "https://trips.example.org/log/0/alert/1",
        *[item["id"] for item in before],
    ]
