"""Digests for the newsletter: a month and a year in words, printable, with their own feeds."""

import uuid
from collections.abc import Iterator
from datetime import date

import feedparser
import httpx
import pytest

from notifier.testing import Site, event, life, serve, snapshot

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

TRIP, OTHER = str(uuid.UUID(int=51)), str(uuid.UUID(int=52))


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    for running in serve(database_url):
        # Approved 8 February, departs 10 March, reported 25 March (notifier.testing.life).
        running.feed(life(TRIP, "MVD-2026-0051"))
        other = snapshot("MVD-2026-0052", departure=date(2026, 3, 20), department="Culture")
        running.feed(
            [
                event("trip.approved", OTHER, {"trip": other}, "2026-02-20T09:00:00.000Z"),
                event(
                    "trip.cancelled",
                    OTHER,
                    {"reference": "MVD-2026-0052", "reason": "The summit moved online."},
                    "2026-03-01T09:00:00.000Z",
                ),
            ]
        )
        yield running


def lines(page: str) -> str:
    return page.split('<ul class="digest-lines">')[1].split("</ul>")[0]


def test_a_month_in_plain_words(site: Site) -> None:
    february = lines(httpx.get(f"{site.url}/digest/2026-02?lang=en").text)
    assert "2 trips were disclosed before departure." in february
    assert "No official left on a trip abroad." in february
    march = httpx.get(f"{site.url}/digest/2026-03?lang=en").text
    assert "March 2026: the city abroad" in march
    said = lines(march)
    assert "1 trip was cancelled." in said
    assert "1 report on what a trip achieved was filed." in said
    assert "1 trip abroad began:" in said  # the cancelled one did not
    assert "No trip was disclosed." in said
    assert f'href="/trips/{TRIP}?lang=en"' in march
    assert f'href="/trips/{OTHER}' not in march
    assert 'href="/digest/2026-02?lang=en" rel="prev"' in march


@pytest.mark.parametrize(
    ("lang", "title", "once"),
    [
        ("es", "marzo de 2026: la ciudad en el exterior", "Se canceló 1 viaje."),
        ("fr", "mars 2026\u00a0: la ville à l'étranger", "1 déplacement a été annulé."),
        ("pt", "março de 2026: a cidade no exterior", "1 viagem foi cancelada."),
    ],
)
def test_each_language_has_its_own_grammar(site: Site, lang: str, title: str, once: str) -> None:
    page = httpx.get(f"{site.url}/digest/2026-03?lang={lang}").text
    assert title in page.replace("&#39;", "'")
    assert once in lines(page)


def test_a_year_counts_every_month(site: Site) -> None:
    year = lines(httpx.get(f"{site.url}/digest/2026?lang=en").text)
    assert "2 trips were disclosed before departure." in year
    assert "1 follow-up commitment was kept." in year  # f2, done in April


def test_a_period_that_is_no_date_is_refused(site: Site) -> None:
    for period in ("2026-13", "26", "2026-3", "next"):
        answer = httpx.get(f"{site.url}/digest/{period}")
        assert answer.status_code == 422
        assert answer.headers["content-type"] == "application/problem+json"


@pytest.mark.parametrize("kind", ["monthly", "yearly"])
def test_digests_have_their_own_feeds(site: Site, kind: str) -> None:
    atom = feedparser.parse(httpx.get(f"{site.url}/digests/{kind}.atom?lang=en").content)
    assert not atom.bozo, atom.get("bozo_exception")
    links = [entry.link for entry in atom.entries]
    if kind == "monthly":
        assert links[:3] == [
            f"https://trips.example.org/digest/2026-0{m}?lang=en" for m in (4, 3, 2)
        ]
    else:
        assert links == ["https://trips.example.org/digest/2026?lang=en"]
    assert all(entry.summary for entry in atom.entries)
    feed = httpx.get(f"{site.url}/digests/{kind}.json?lang=en").json()
    assert [item["url"] for item in feed["items"]] == links
    assert len({item["id"] for item in feed["items"]}) == len(links)
