"""Share cards: every page says how it looks when shared, and the images exist."""

import html
import io
import re
import uuid
from collections.abc import Iterator

import httpx
import pytest
from PIL import Image

from notifier.testing import Site, event, life, serve, snapshot

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

TRIP = str(uuid.UUID(int=41))
BASE = "https://trips.example.org"


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    for running in serve(database_url):
        running.feed(life(TRIP, "MVD-2026-0041"))
        yield running


def meta(page: str) -> dict[str, str]:
    """The Open Graph and Twitter tags of a page, their values unescaped."""
    pattern = r'<meta (?:property|name)="((?:og|twitter):[a-z:_]+)" content="([^"]*)"'
    return {name: html.unescape(value) for name, value in re.findall(pattern, page)}


def local(url: str, site: Site) -> str:
    assert url.startswith(BASE), url  # Open Graph wants an absolute address
    return site.url + url.removeprefix(BASE)


@pytest.mark.parametrize(
    ("path", "image"),
    [
        (f"/trips/{TRIP}?lang=es", f"{BASE}/trips/{TRIP}/card.png?lang=es"),
        ("/?year=2026&lang=fr", f"{BASE}/years/2026/card.png?lang=fr"),
        ("/checklist?lang=pt", None),  # a page of its own shares the current year's card
    ],
)
def test_every_page_has_open_graph_and_twitter_meta(
    site: Site, path: str, image: str | None
) -> None:
    tags = meta(httpx.get(f"{site.url}{path}").text)
    assert tags["og:url"] == f"{BASE}{path}"
    assert tags["twitter:card"] == "summary_large_image"
    assert tags["og:title"]
    assert tags["og:description"]
    assert tags["og:image"] == tags["twitter:image"]
    if image is not None:
        assert tags["og:image"] == image
    card = httpx.get(local(tags["og:image"], site))
    assert (card.status_code, card.headers["content-type"]) == (200, "image/png")
    assert Image.open(io.BytesIO(card.content)).size == (1200, 630)


def test_a_trip_card_is_drawn_once_per_state_and_language(site: Site) -> None:
    url = f"{site.url}/trips/{TRIP}/card.png"
    english, spanish = httpx.get(url, params={"lang": "en"}), httpx.get(url, params={"lang": "es"})
    assert english.content != spanish.content  # the words are the reader's
    again = httpx.get(
        url, params={"lang": "en"}, headers={"If-None-Match": english.headers["etag"]}
    )
    assert again.status_code == 304
    missing = httpx.get(f"{site.url}/trips/{uuid.uuid4()}/card.png")
    assert (missing.status_code, missing.headers["content-type"]) == (
        404,
        "application/problem+json",
    )
    assert httpx.get(f"{site.url}/years/1066/card.png").status_code == 422


def test_a_trip_card_s_tag_changes_when_the_city_s_medians_change_its_warnings(
    database_url: str,
) -> None:
    """A card counts its trip's checklist warnings against the city's medians, so other
    trips change its bytes: its ETag changes with them, and the tag it had no longer
    answers 304. If-None-Match is read as a list of tags, not searched for the text."""
    costly = str(uuid.UUID(int=501))
    for running in serve(database_url):
        trip = snapshot("MVD-2026-0501", city_share="9000.00", total="9000.00")
        running.feed([event("trip.approved", costly, {"trip": trip})])
        url = f"{running.url}/trips/{costly}/card.png"
        before = httpx.get(url)
        tag = before.headers["etag"]
        listed = {"If-None-Match": f'"other", {tag}'}
        assert httpx.get(url, headers=listed).status_code == 304
        assert httpx.get(url, headers={"If-None-Match": f'"x{tag}"'}).status_code == 200
        for n in (502, 503):  # cheap trips: the median cost per traveller-day falls
            cheap = snapshot(f"MVD-2026-0{n}", city_share="100.00", total="100.00")
            running.feed([event("trip.approved", str(uuid.UUID(int=n)), {"trip": cheap})])
        after = httpx.get(url, headers={"If-None-Match": tag})
        assert after.status_code == 200
        assert after.content != before.content
        assert after.headers["etag"] != tag
