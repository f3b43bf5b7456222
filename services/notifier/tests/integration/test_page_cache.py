"""Public answers kept per read-model version: fast under a spike, never stale."""

import asyncio
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlmodel import Session
from starlette.types import Receive, Scope, Send

from notifier.channels.models import Notice
from notifier.publish import cache
from notifier.testing import Site, life

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

TRIP = str(uuid.UUID(int=61))
REFERENCE = "MVD-2026-0061"


@pytest.mark.parametrize("path", ["/", f"/trips/{TRIP}", "/feed.atom", "/digest/2026"])
def test_a_conditional_get_of_an_unchanged_page_is_304(approved_site: Site, path: str) -> None:
    first = httpx.get(f"{approved_site.url}{path}")
    assert first.status_code == 200
    tag = first.headers["etag"]
    again = httpx.get(f"{approved_site.url}{path}", headers={"If-None-Match": tag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
    assert httpx.get(f"{approved_site.url}{path}").content == first.content


def test_a_new_entry_makes_every_kept_answer_stale(approved_site: Site) -> None:
    page = httpx.get(f"{approved_site.url}/trips/{TRIP}?lang=en")
    assert "Tender for ten buses" not in page.text
    approved_site.feed(life(TRIP, REFERENCE)[1:4])  # amended, completed, reported
    fresh = httpx.get(
        f"{approved_site.url}/trips/{TRIP}?lang=en", headers={"If-None-Match": page.headers["etag"]}
    )
    assert fresh.status_code == 200
    assert "Tender for ten buses" in fresh.text
    assert fresh.headers["etag"] != page.headers["etag"]


def test_the_reader_s_language_is_part_of_the_key(approved_site: Site) -> None:
    english = httpx.get(f"{approved_site.url}/", headers={"Accept-Language": "en"})
    french = httpx.get(f"{approved_site.url}/", headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    assert english.headers["content-language"] == "en"
    assert french.headers["content-language"] == "fr"
    assert english.headers["etag"] != french.headers["etag"]


def test_kept_answers_carry_fresh_request_ids_and_the_security_headers(approved_site: Site) -> None:
    answers = [httpx.get(f"{approved_site.url}/feed.json") for _ in range(3)]
    assert len({a.headers["x-request-id"] for a in answers}) == 3
    for answer in answers:
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert answer.json()["items"] == answers[0].json()["items"]


def test_an_alert_raised_without_a_new_entry_is_seen(approved_site: Site) -> None:
    before = httpx.get(f"{approved_site.url}/feed.json").json()["items"]
    with Session(
        approved_site.app.state.engine
    ) as session:  # as the periodic alert check records one
        session.add(
            Notice(
                ledger_index=0,
                sub=1,
                type="alert.report_overdue",
                trip_id=TRIP,
                departments=[],
                sdg_goals=[],
                body={"reference": REFERENCE, "title": "x", "due_date": "2026-04-12"},
                created_at=datetime.now(UTC),
            )
        )
        session.commit()
    after = httpx.get(f"{approved_site.url}/feed.json").json()["items"]
    assert [item["id"] for item in after] == [
        "https://trips.example.org/log/0/alert/1",
        *[item["id"] for item in before],
    ]


def page_cache(site: Site) -> cache.PageCache:
    """The app's page cache, as its middleware stack holds it (built on the first request)."""
    layer: Any = site.app.middleware_stack
    while not isinstance(layer, cache.PageCache):
        layer = layer.app
    return layer


def answers(kept: cache.PageCache) -> dict[cache.Key, cache.Answer]:
    """Every answer kept, read once or again."""
    return {**kept._answers, **kept._again}


def held(kept: cache.PageCache) -> int:
    """The bytes its answers hold, each distinct body once, counted afresh."""
    bodies = {id(a.body): len(a.body) for a in answers(kept).values()}
    headers = sum(cache._cost(key, answer) for key, answer in answers(kept).items())
    return sum(bodies.values()) + headers


@pytest.mark.backends("sqlite", "postgresql")
def test_headers_that_pick_one_language_share_its_answer(approved_site: Site) -> None:
    url = f"{approved_site.url}/trips/{TRIP}"
    french = httpx.get(url, headers={"Accept-Language": "fr-FR,fr;q=0.9"})
    for header in ("fr", "x-junk-1, fr;q=0.5", "de;q=0.9, fr-CA;q=0.8"):
        again = httpx.get(url, headers={"Accept-Language": header})
        assert (again.content, again.headers["etag"]) == (french.content, french.headers["etag"])
        assert again.headers["content-language"] == "fr"
        tagged = {"Accept-Language": header, "If-None-Match": french.headers["etag"]}
        assert httpx.get(url, headers=tagged).status_code == 304
    english = httpx.get(url, headers={"Accept-Language": "x-junk-2"})
    assert english.headers["content-language"] == "en"
    assert english.content == httpx.get(url).content
    kept = [key for key in answers(page_cache(approved_site)) if key[0] == f"/trips/{TRIP}"]
    assert sorted(lang for _path, _query, lang in kept) == ["en", "fr"]


@pytest.mark.backends("sqlite", "postgresql")
def test_one_download_asked_with_junk_queries_holds_one_body(approved_site: Site) -> None:
    url = f"{approved_site.url}/data/datapackage.json"
    first = httpx.get(url)
    replies = [httpx.get(f"{url}?junk={n}") for n in range(20)]
    assert {(a.content, a.headers["etag"]) for a in replies} == {
        (first.content, first.headers["etag"])
    }
    kept = page_cache(approved_site)
    bodies = {id(a.body) for key, a in answers(kept).items() if key[0] == "/data/datapackage.json"}
    assert len(bodies) == 1
    assert kept._kept == held(kept)


@pytest.mark.backends("sqlite", "postgresql")
def test_kept_bytes_stay_within_the_budget_and_a_new_version_lets_all_go(
    approved_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    page = httpx.get(f"{approved_site.url}/?junk=0")  # the page links its query: bodies differ
    monkeypatch.setattr(cache, "MAX_KEPT", 3 * len(page.content))
    kept = page_cache(approved_site)
    for n in range(1, 12):
        httpx.get(f"{approved_site.url}/?junk={n}")
        assert kept._kept == held(kept) <= cache.MAX_KEPT
    newest = [query for _path, query, _lang in answers(kept)]
    assert newest == [b"junk=10", b"junk=11"]  # the least recently read went first
    again = httpx.get(f"{approved_site.url}/?junk=0")  # kept no more: drawn again, the same
    assert (again.content, again.headers["etag"]) == (page.content, page.headers["etag"])
    approved_site.feed(life(TRIP, REFERENCE)[1:2])
    fresh = httpx.get(f"{approved_site.url}/feed.json")
    assert fresh.status_code == 200
    assert [key[0] for key in answers(kept)] == ["/feed.json"]
    assert kept._kept == held(kept)


@pytest.mark.backends("sqlite", "postgresql")
def test_a_flood_of_requests_made_once_leaves_what_readers_read_again(
    approved_site: Site, monkeypatch: pytest.MonkeyPatch
) -> None:
    trip = f"{approved_site.url}/trips/{TRIP}"
    page = httpx.get(trip)
    monkeypatch.setattr(cache, "MAX_KEPT", 4 * len(httpx.get(f"{approved_site.url}/").content))
    httpx.get(trip)  # read again: kept apart from what is read once
    kept = page_cache(approved_site)
    for n in range(20):
        httpx.get(f"{approved_site.url}/?junk={n}")
        assert kept._kept == held(kept) <= cache.MAX_KEPT
    assert list(kept._again) == [(f"/trips/{TRIP}", b"", "en")]
    assert b"junk=19" in kept._answers[("/", b"junk=19", "en")].body
    tagged = httpx.get(trip, headers={"If-None-Match": page.headers["etag"]})
    assert tagged.status_code == 304


def test_two_readers_who_miss_one_key_at_once_leave_one_answer_counted_once() -> None:
    both = asyncio.Event()
    drawn: list[str] = []

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        drawn.append(scope["path"])
        if len(drawn) == 2:
            both.set()
        await both.wait()  # each draws the answer before either keeps it
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"the same bytes"})

    kept = cache.PageCache(app, lambda: cache.Reading((1, (1, 0), 1), 0.0, 0.0))

    async def read_twice() -> tuple[httpx.Response, httpx.Response]:
        transport = httpx.ASGITransport(app=kept)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            return await asyncio.gather(client.get("/feed.json"), client.get("/feed.json"))

    first, second = asyncio.run(read_twice())
    assert first.content == second.content == b"the same bytes"
    assert list(answers(kept)) == [("/feed.json", b"", "en")]
    assert kept._kept == held(kept)
