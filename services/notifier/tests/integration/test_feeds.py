"""Atom and JSON Feed 1.1, read with a real feed parser, for everything and per facet."""

import uuid
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import feedparser
import httpx
import pytest

from notifier.testing import Site, event, life, serve, snapshot

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

TRIP = str(uuid.UUID(int=11))
OTHER = str(uuid.UUID(int=12))
BASE = "https://trips.example.org"


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    for running in serve(database_url):
        running.feed(life(TRIP, "MVD-2026-0011"))
        other = snapshot(
            "MVD-2026-0012",
            departure=date(2026, 6, 1),
            department="Culture",
            goals=(4,),
            targets=("4.7",),
        )
        other["travellers"] = [{"name": None, "position": "Director of Culture", "elected": False}]
        running.feed([event("trip.approved", OTHER, {"trip": other})])
        yield running


def _parse(url: str) -> feedparser.FeedParserDict:
    """Atom through feedparser; JSON Feed (which feedparser 6 does not read) checked
    against the 1.1 spec's required members and read into the same shape."""
    answer = httpx.get(url)
    assert answer.status_code == 200
    if answer.headers["content-type"] == "application/feed+json":
        return _json_feed(answer.json())
    assert answer.headers["content-type"] == "application/atom+xml"
    parsed = feedparser.parse(answer.content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    return parsed


def _json_feed(body: dict[str, Any]) -> feedparser.FeedParserDict:
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    assert isinstance(body["title"], str)
    assert isinstance(body["items"], list)
    entries = []
    for item in body["items"]:
        assert isinstance(item["id"], str)
        assert "content_text" in item or "content_html" in item
        datetime.fromisoformat(item["date_published"].replace("Z", "+00:00"))
        entries.append(
            feedparser.FeedParserDict(
                id=item["id"], title=item["title"], link=item["url"], summary=item["content_text"]
            )
        )
    return feedparser.FeedParserDict(
        version="json11", feed=feedparser.FeedParserDict(title=body["title"]), entries=entries
    )


@pytest.mark.parametrize("ext", ["atom", "json"])
def test_the_whole_feed_lists_every_entry_newest_first(site: Site, ext: str) -> None:
    parsed = _parse(f"{site.url}/feed.{ext}")
    assert parsed.version == ("atom10" if ext == "atom" else "json11")
    assert len(parsed.entries) == 6
    first = parsed.entries[0]
    assert first.id == f"{BASE}/log/5"
    assert first.title == "Trip approved — MVD-2026-0012: Study visit MVD-2026-0012"
    assert first.link == f"{BASE}/trips/{OTHER}?lang=en#entry-5"
    assert "Quito (Ecuador)" in first.summary
    assert [e.id.rsplit("/", 1)[1] for e in parsed.entries] == ["5", "4", "3", "2", "1", "0"]
    report = parsed.entries[2]
    assert report.title.startswith("Report published — MVD-2026-0011")
    assert "The pilot agreement was signed" in report.summary


def test_json_feed_items_name_their_ledger_index_and_entry(site: Site) -> None:
    body = httpx.get(f"{site.url}/feed.json").json()
    assert body["version"] == "https://jsonfeed.org/version/1.1"
    item = body["items"][-1]
    assert item["_periplus"] == {"trip_id": TRIP, "ledger_index": 0, "type": "trip.approved"}
    assert item["external_url"] == f"{BASE}/v1/verify/entries?start=0&end=1"


def test_atom_items_link_to_the_ledger_entry(site: Site) -> None:
    parsed = _parse(f"{site.url}/feed.atom")
    links = {link.rel: link.href for link in parsed.entries[-1].links}
    assert links["alternate"] == f"{BASE}/trips/{TRIP}?lang=en#entry-0"
    assert links["related"] == f"{BASE}/v1/verify/entries?start=0&end=1"


@pytest.mark.parametrize(
    ("path", "indexes"),
    [
        ("/feeds/department/Culture", ["5"]),
        ("/feeds/department/Mobility", ["5", "4", "3", "2", "1", "0"]),
        ("/feeds/sdg/13", ["4", "3", "2", "1", "0"]),
        ("/feeds/traveller/Director of Culture", ["5"]),
        ("/feeds/traveller/Ana Pérez", ["4", "3", "2", "1", "0"]),
        (f"/trips/{TRIP}/feed", ["4", "3", "2", "1", "0"]),
    ],
)
@pytest.mark.parametrize("ext", ["atom", "json"])
def test_feeds_per_department_goal_traveller_and_trip(
    site: Site, path: str, indexes: list[str], ext: str
) -> None:
    parsed = _parse(f"{site.url}{path}.{ext}")
    assert [e.id.rsplit("/", 1)[1] for e in parsed.entries] == indexes


def test_a_feed_names_its_own_address_percent_encoded(site: Site) -> None:
    """A value with spaces or letters beyond ASCII (a name, a department) is one path
    segment of the address a feed gives for itself, which fetches that very feed."""
    body = httpx.get(f"{site.url}/feeds/traveller/Ana Pérez.json").json()
    assert body["feed_url"] == f"{BASE}/feeds/traveller/Ana%20P%C3%A9rez.json"
    again = httpx.get(site.url + body["feed_url"].removeprefix(BASE)).json()
    assert again["items"] == body["items"]
    parsed = _parse(f"{site.url}/feeds/traveller/Ana Pérez.atom")
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links["self"] == f"{BASE}/feeds/traveller/Ana%20P%C3%A9rez.atom"


def test_a_department_whose_name_holds_a_slash_has_its_feed(database_url: str) -> None:
    """A name such as "Culture/Heritage" reaches its feed from the trip page's link and
    from the address the feed gives for itself."""
    for running in serve(database_url):
        trip = snapshot("MVD-2026-0013", department="Culture/Heritage")
        running.feed([event("trip.approved", OTHER, {"trip": trip})])
        page = httpx.get(f"{running.url}/trips/{OTHER}").text
        href = "/feeds/department/Culture/Heritage.atom?lang=en"
        assert href in page
        assert [e.id.rsplit("/", 1)[1] for e in _parse(running.url + href).entries] == ["0"]
        body = httpx.get(f"{running.url}/feeds/department/Culture%2FHeritage.json").json()
        assert body["feed_url"] == f"{BASE}/feeds/department/Culture%2FHeritage.json"
        assert len(body["items"]) == 1


def test_feeds_speak_the_readers_language(site: Site) -> None:
    parsed = _parse(f"{site.url}/feeds/sdg/13.atom?lang=fr")
    assert parsed.feed.title == "Periplus: Déplacements à l'étranger — Objectif ODD: 13 · " + (
        "Lutte contre les changements climatiques"
    )
    assert parsed.entries[0].title.startswith("Suivi mis à jour — MVD-2026-0011")


@pytest.mark.parametrize(
    "path",
    [
        "/feed.atom",
        "/feed.json",
        "/feeds/sdg/13.json",
        f"/trips/{TRIP}/feed.atom",
        "/digests/monthly.atom",
        "/digests/yearly.json",
    ],
)
def test_a_feed_says_its_language_and_that_accept_language_picks_it(site: Site, path: str) -> None:
    """A feed and a digest feed are drawn in the reader's language: each says which, and
    that Accept-Language picks it, so a cache keeps a copy per language; one language's
    ETag does not revalidate another's copy."""
    url = f"{site.url}{path}"
    french = httpx.get(url, headers={"Accept-Language": "fr"})
    english = httpx.get(url, headers={"Accept-Language": "en"})
    said = [(a.headers.get("content-language"), a.headers.get("vary")) for a in (french, english)]
    assert said == [("fr", "Accept-Language"), ("en", "Accept-Language")]
    assert french.content != english.content
    across = {"Accept-Language": "en", "If-None-Match": french.headers["etag"]}
    revalidated = httpx.get(url, headers=across)
    assert (revalidated.status_code, revalidated.content) == (200, english.content)
    own = {"Accept-Language": "fr", "If-None-Match": french.headers["etag"]}
    unchanged = httpx.get(url, headers=own)
    assert (unchanged.status_code, unchanged.headers.get("vary")) == (304, "Accept-Language")


def test_unknown_feeds_are_problems(site: Site) -> None:
    assert httpx.get(f"{site.url}/feeds/colour/blue.atom").status_code == 404
    assert httpx.get(f"{site.url}/trips/{uuid.uuid4()}/feed.json").status_code == 404


def test_an_entry_off_the_contract_is_an_item_with_what_can_be_read(database_url: str) -> None:
    """A report that is no report and a follow-up without its fields: each is still an
    item, saying what it can, and the feed does not fail."""
    odd = str(uuid.UUID(int=13))
    for running in serve(database_url):
        running.feed(
            [
                event("trip.approved", odd, {"trip": snapshot("MVD-2026-0013")}),
                event(
                    "trip.reported", odd, {"reference": "MVD-2026-0013", "report": "?"}, check=False
                ),
                event("followup.updated", odd, {"followup": {"id": "f1"}}, check=False),
                event("trip.cancelled", odd, {"reference": "MVD-2026-0013", "reason": "Moved."}),
            ]
        )
        for ext in ("atom", "json"):
            parsed = _parse(f"{running.url}/trips/{odd}/feed.{ext}")
            assert [e.summary.strip() for e in parsed.entries[:3]] == [
                "Moved. Entry 3.",
                "— Open Entry 2.",
                "Entry 1.",
            ]
