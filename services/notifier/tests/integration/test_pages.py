"""The public pages: list with filters, trip page, languages, problems for bad input."""

import re
import uuid
from collections.abc import Iterator
from datetime import date

import httpx
import pytest

from notifier.checklist.rules import Rules
from notifier.testing import Site, event, feed_sample, life, sample_ids, serve, snapshot

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

TRIP, OTHER, CANCELLED = sample_ids(1)


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """Three trips: one reported, one to Chartres in 2025 and one cancelled."""
    for running in serve(database_url):
        feed_sample(running, 1, short_departs=date(2025, 9, 1), cancelled_departs=date(2026, 3, 10))
        yield running


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_list_shows_every_trip_and_filters_them(site: Site) -> None:
    page = httpx.get(f"{site.url}/")
    assert page.status_code == 200
    assert page.headers["content-language"] == "en"
    assert '<html lang="en">' in page.text
    body = _text(page.text)
    for reference in ("MVD-2026-0001", "MVD-2026-0002", "MVD-2026-0003"):
        assert reference in body
    assert "Cancelled" in body
    assert "Reported" in body
    assert '<label for="f-department">Department</label>' in page.text
    assert '<option value="4">4 · Quality education</option>' in page.text

    def listed(query: str) -> set[str]:
        html = httpx.get(f"{site.url}/?{query}").text
        return set(re.findall(r"MVD-2026-000\d", html))

    assert listed("department=Culture") == {"MVD-2026-0002"}
    assert listed("sdg=13") == {"MVD-2026-0001", "MVD-2026-0003"}
    assert listed("country=fr") == {"MVD-2026-0002"}
    assert listed("status=cancelled") == {"MVD-2026-0003"}
    assert listed("year=2025") == {"MVD-2026-0002"}
    assert listed("year=2026&sdg=13&status=reported") == {"MVD-2026-0001"}
    assert "0 trips shown" in _text(httpx.get(f"{site.url}/?year=2020").text)


@pytest.mark.parametrize(
    ("query", "headers", "lang", "words"),
    [
        ("?lang=es", {}, "es", ["Viajes al exterior", "Con informe", "Cancelado"]),
        ("", {"Accept-Language": "fr-CA,fr;q=0.9,en;q=0.5"}, "fr", ["Déplacements à l'étranger"]),
        ("", {"Accept-Language": "de, pt-BR;q=0.8"}, "pt-BR", ["Viagens ao exterior", "Cancelada"]),
        ("?lang=xx", {"Accept-Language": "ja"}, "en", ["Foreign trips"]),
    ],
)
def test_the_language_comes_from_the_query_or_accept_language(
    site: Site, query: str, headers: dict[str, str], lang: str, words: list[str]
) -> None:
    page = httpx.get(f"{site.url}/{query}", headers=headers)
    assert f'<html lang="{lang}">' in page.text
    assert page.headers["content-language"] == lang
    # The switcher names Portuguese as what it is, whatever the page's language.
    assert 'hreflang="pt-BR" lang="pt-BR" title="português (Brasil)"' in page.text
    body = _text(page.text).replace("&#39;", "'")
    for word in words:
        assert word in body


def test_the_trip_page_answers_who_where_when_why_and_what_came_of_it(site: Site) -> None:
    page = httpx.get(f"{site.url}/trips/{TRIP}")
    assert page.status_code == 200
    body = _text(page.text).replace("&#39;", "'")
    assert (
        "Ana Pérez (Mayor) and Adviser 1 (name not published) travelled to Quito (Ecuador) "
        "from March 10, 2026 to March 13, 2026 (4 days)."
    ) in body
    assert "Kind of trip: study visit, hosted by Municipality of Quito." in body
    assert "Departments involved: International Relations and Mobility." in body
    assert "11 · Sustainable cities and communities and 13 · Climate action" in body
    assert (
        "Budgeted cost $4,000.00; the city was to pay $3,000.00, and Municipality of Quito "
        "the other $1,000.00."
    ) in body
    assert "Of 2 expected outcomes: 1 achieved and 1 achieved in part." in body
    assert "Follow-up commitments: 2 (1 overdue and 1 done)." in body
    # The checklist: a sentence and a verdict per signal.
    assert 'data-signal="notice" data-status="pass"' in page.text
    assert "Disclosed 30 days before departure (minimum: 15)." in body
    assert 'data-signal="amendments" data-status="warning"' in page.text
    # Agenda, costs and the ledger timeline with a verify button per entry.
    assert "Working session 1 on public transport" in body
    assert "Airfare" in body
    assert "Lodging" in body
    assert re.findall(r'data-index="(\d+)"', page.text) == ["0", "1", "2", "3", "4"]
    assert "The host added a depot visit." in body
    assert '<script src="/static/verify.js" defer></script>' in page.text


def test_the_trip_page_speaks_spanish_with_local_formats(site: Site) -> None:
    body = _text(httpx.get(f"{site.url}/trips/{TRIP}?lang=es").text)
    assert "del 10 de marzo de 2026 al 13 de marzo de 2026 (4 días)" in body
    assert "Quito (Ecuador)" in body
    assert "13 · Acción por el clima" in body
    assert "4.000,00 US$" in body.replace("\xa0", " ")


def test_a_cancelled_trip_says_so_and_why(site: Site) -> None:
    body = _text(httpx.get(f"{site.url}/trips/{CANCELLED}?lang=pt").text)
    assert "Esta viagem foi cancelada: The host postponed the forum." in body
    assert "Viagem cancelada" in body


def test_warnings_are_counted_in_the_list(site: Site) -> None:
    html = httpx.get(f"{site.url}/?department=Culture").text
    # Short notice, a delegation of seven, costs above the median, report overdue.
    assert re.search(r'class="badge s-warning">\d+<', html)


def test_bad_input_gets_a_problem_not_a_page(site: Site) -> None:
    for path in ("/?sdg=18", "/?status=lost", "/?country=FRA", "/?year=abc"):
        answer = httpx.get(f"{site.url}{path}")
        assert answer.status_code in (400, 422)
        assert answer.headers["content-type"].startswith("application/problem+json")
    missing = httpx.get(f"{site.url}/trips/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert missing.json()["detail"] == "No published trip has this id."


def test_pages_work_without_javascript(site: Site) -> None:
    html = httpx.get(f"{site.url}/trips/{TRIP}").text
    # Buttons start hidden and only the script reveals them; the page reads fully without it.
    assert all("hidden" in b for b in re.findall(r"<button[^>]*class=\"verify\"[^>]*>", html))
    assert "<noscript>" in html


def test_the_rules_are_published_with_their_thresholds(site: Site) -> None:
    page = httpx.get(f"{site.url}/checklist?lang=fr")
    assert page.status_code == 200
    body = _text(page.text).replace("&#39;", "'")
    assert "Comment la liste juge un déplacement" in body
    assert re.search(
        r'data-rule="min_notice_days"><th scope="row">[^<]+</th><td class="num">15<', page.text
    )
    assert re.search(r'data-rule="min_agenda_share">.*?60\xa0%', page.text, re.S)
    assert 'href="/checklist?lang=en"' in httpx.get(f"{site.url}/trips/{TRIP}").text


def test_thresholds_are_configurable(database_url: str) -> None:
    for running in serve(database_url, checklist=Rules(min_notice_days=31, max_delegation=1)):
        running.feed(life(TRIP, "MVD-2026-0001"))
        page = httpx.get(f"{running.url}/trips/{TRIP}").text
        assert 'data-signal="notice" data-status="warning"' in page
        assert "Disclosed only 30 days before departure (minimum: 31)" in page
        assert 'data-signal="delegation" data-status="warning"' in page
        rules = httpx.get(f"{running.url}/checklist").text
        assert re.search(r'data-rule="min_notice_days">.*?31<', rules, re.S)


def test_pages_link_to_the_feeds_that_follow_them(site: Site) -> None:
    trip = httpx.get(f"{site.url}/trips/{TRIP}?lang=es").text
    assert f'href="/trips/{TRIP}/feed.atom?lang=es"' in trip
    assert 'href="/feeds/department/Mobility.atom?lang=es"' in trip
    assert 'href="/feeds/sdg/13.atom?lang=es"' in trip
    assert 'href="/feeds/traveller/Ana%20P%C3%A9rez.atom?lang=es"' in trip
    listing = httpx.get(f"{site.url}/?department=Culture").text
    assert 'href="/feeds/department/Culture.json?lang=en"' in listing
    feed = httpx.get(f"{site.url}/feeds/traveller/Ana%20P%C3%A9rez.json").json()
    assert len(feed["items"]) == 8  # she is on all three trips: 5 + 1 + 2 entries


def test_a_long_list_is_paged(database_url: str) -> None:
    for running in serve(database_url):
        running.feed(
            [
                event(
                    "trip.approved",
                    str(uuid.UUID(int=1000 + n)),
                    {"trip": snapshot(f"MVD-2025-{n:04d}", departure=date(2025, 1, 1 + n % 28))},
                )
                for n in range(105)
            ]
        )
        first = httpx.get(f"{running.url}/?year=2025").text
        assert len(re.findall(r'href="/trips/', first)) == 100
        assert 'href="?year=2025&amp;page=2" rel="next"' in first
        assert 'rel="prev"' not in first
        second = httpx.get(f"{running.url}/?year=2025&page=2").text
        assert len(re.findall(r'href="/trips/', second)) == 5
        assert 'href="?year=2025&amp;page=1" rel="prev"' in second
        assert set(re.findall(r"MVD-2025-\d+", first)).isdisjoint(
            re.findall(r"MVD-2025-\d+", second)
        )
