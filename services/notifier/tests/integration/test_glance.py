"""The home page's year at a glance: figures over a known set of trips, the trips behind
each figure, charts with their data tables, and sentences for 0, 1 and many in each language.
"""

import re
import uuid
from collections.abc import Iterator
from datetime import date
from html import unescape

import httpx
import pytest

from notifier.testing import Site, event, feed_sample, sample_ids, serve, snapshot

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

REPORTED, LATE, CANCELLED = sample_ids(101)
CITY_ONLY = str(uuid.UUID(int=104))
LANGS = ("en", "es", "fr", "pt")


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    """Three trips departing in 2026 (one reported, one short of notice whose report is
    overdue, one cancelled) and one in 2025 that the city pays alone."""
    for running in serve(database_url):
        feed_sample(
            running, 101, short_departs=date(2026, 5, 1), cancelled_departs=date(2026, 9, 1)
        )
        alone = snapshot(
            "MVD-2025-0104",
            departure=date(2025, 10, 6),
            total="2000.00",
            city_share="2000.00",
            notice=20,
        )
        running.feed([event("trip.approved", CITY_ONLY, {"trip": alone})])
        yield running


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", unescape(re.sub(r"<[^>]+>", " ", html))).strip()


def _cards(html: str) -> dict[str, str]:
    """Each figure's card as plain text, by figure."""
    found = re.findall(r'<li data-figure="(\w+)">(.*?)</li>', html, re.S)
    return {key: _text(body) for key, body in found}


def _hrefs(html: str) -> dict[str, str]:
    found = re.findall(r'<li data-figure="(\w+)"><a class="figure" href="([^"]+)"', html)
    return {key: unescape(href) for key, href in found}


def _listed(site: Site, href: str) -> set[str]:
    html = httpx.get(f"{site.url}{href}").text
    table = html.split('<h2 id="trips">', 1)[1]
    return set(re.findall(r"MVD-202\d-0\d{3}", table))


def test_the_figures_of_a_year_count_the_trips_that_depart_in_it(site: Site) -> None:
    page = httpx.get(f"{site.url}/?year=2026&lang=en")
    assert page.status_code == 200
    cards = _cards(page.text)
    assert cards == {
        "trips": "2 trips abroad to 2 countries 1 more cancelled",
        "travellers": "9 travellers 2 of them elected officials",
        "cost": "$8,000 total cost the city's share: $6,000 "
        "the budget for 1 trip not yet completed",
        "cofunded": "25% paid by hosts and partners $2,000 of $8,000",
        "days": "8 days abroad 36 traveller-days",
        "outcomes": "1 expected outcome achieved of 2 expected in the reports filed 1 more in part",
        "overdue": "1 report overdue 1 report filed none late",
        "followups": "1 follow-up commitment kept of 2 made 1 overdue",
        "notice": "18 days of notice before departure, the median "
        "1 trip disclosed with less than the minimum notice",
    }


def test_the_figures_follow_new_entries(site: Site) -> None:
    before = _cards(httpx.get(f"{site.url}/?year=2026&lang=en").text)
    assert before["overdue"].startswith("1 report overdue 1 report filed")
    report = {
        "summary": "The exchange programme was agreed.",
        "results": [{"outcome_id": "o1", "achieved": "yes", "result": "Agreed."}],
        "documents": [],
        "filed_on": "2026-07-20",
        "days_after_return": 80,
    }
    site.feed(
        [
            event(
                "trip.reported",
                LATE,
                {"reference": "MVD-2026-0102", "report": report, "followups": []},
            ),
            event(
                "trip.approved",
                str(uuid.UUID(int=105)),
                {
                    "trip": snapshot(
                        "MVD-2026-0105",
                        departure=date(2026, 11, 2),
                        size=1,
                        report_due="2099-01-01",  # never overdue, whatever day the test runs
                    )
                },
            ),
        ]
    )
    after = _cards(httpx.get(f"{site.url}/?year=2026&lang=en").text)
    assert after["overdue"] == "0 reports overdue 2 reports filed 1 of them late"
    assert after["outcomes"].startswith("2 expected outcomes achieved of 4 expected")
    assert after["trips"].startswith("3 trips abroad")
    assert after["travellers"].startswith("10 travellers")


def test_a_year_the_city_paid_alone_and_a_year_without_trips(site: Site) -> None:
    paid_alone = _cards(httpx.get(f"{site.url}/?year=2025&lang=en").text)
    assert paid_alone["cofunded"] == "0% paid by hosts and partners the city pays for everything"
    assert paid_alone["trips"] == "1 trip abroad to 1 country"
    empty = _cards(httpx.get(f"{site.url}/?year=2024&lang=en").text)
    assert empty == {
        "trips": "0 trips abroad",
        "travellers": "0 travellers",
        "cost": "— total cost no cost published yet",
        "cofunded": "— paid by hosts and partners",
        "days": "0 days abroad",
        "outcomes": "0 expected outcomes achieved no report filed yet",
        "overdue": "0 reports overdue no report filed yet",
        "followups": "0 follow-up commitments kept no commitment made yet",
        "notice": "— no disclosure date known",
    }


def test_each_figure_leads_to_the_trips_and_entries_behind_it(site: Site) -> None:
    page = httpx.get(f"{site.url}/?year=2026&lang=en").text
    hrefs = _hrefs(page)
    expected = {
        "trips": {"MVD-2026-0101", "MVD-2026-0102"},
        "travellers": {"MVD-2026-0101", "MVD-2026-0102"},
        "days": {"MVD-2026-0101", "MVD-2026-0102"},
        "cost": {"MVD-2026-0101", "MVD-2026-0102"},
        "cofunded": {"MVD-2026-0101", "MVD-2026-0102"},
        "outcomes": {"MVD-2026-0101"},
        "overdue": {"MVD-2026-0102"},
        "followups": {"MVD-2026-0101"},
        "notice": {"MVD-2026-0101", "MVD-2026-0102"},
    }
    assert set(hrefs) == set(expected)
    for key, trips in expected.items():
        assert _listed(site, hrefs[key]) == trips, key
    cancelled = re.search(r'href="([^"]*figure=cancelled[^"]*)"', page)
    short = re.search(r'href="([^"]*figure=short_notice[^"]*)"', page)
    assert cancelled is not None
    assert short is not None
    assert _listed(site, unescape(cancelled.group(1))) == {"MVD-2026-0103"}
    assert _listed(site, unescape(short.group(1))) == {"MVD-2026-0102"}

    # The outcomes come from the report: the trip's link lands on that ledger entry.
    behind = httpx.get(f"{site.url}{hrefs['outcomes']}").text
    anchor = re.search(rf'href="/trips/{REPORTED}\?lang=en#entry-(\d+)"', behind)
    assert anchor is not None
    trip = httpx.get(f"{site.url}/trips/{REPORTED}?lang=en").text
    row = re.search(rf'<tr id="entry-{anchor.group(1)}">(.*?)</tr>', trip, re.S)
    assert row is not None
    assert "trip.reported" in row.group(1)


def test_every_chart_is_drawn_and_comes_with_its_data_table(site: Site) -> None:
    page = httpx.get(f"{site.url}/?year=2026&lang=en").text
    figures = re.findall(r'<figure class="chart" id="([\w-]+)".*?</figure>', page, re.S)
    assert figures == [
        "chart-departments",
        "chart-goals",
        "chart-cost",
        "chart-outcomes",
        "chart-notice",
    ]
    for body in re.findall(r'<figure class="chart".*?</figure>', page, re.S):
        assert re.search(r'<svg [^>]*role="img"[^>]*>\s*<title id="[\w-]+">\S', body)
        assert "<details>" in body
        assert "<table>" in body
        assert re.search(r"<caption[^>]*>\S.*?</caption>", body)
        assert '<th scope="row">' in body
        assert all(h.strip() for h in re.findall(r'<th scope="col"[^>]*>(.*?)</th>', body))

    def table(key: str) -> list[str]:
        body = re.search(rf'id="{key}".*?<tbody>(.*?)</tbody>', page, re.S)
        assert body is not None
        return [_text(r) for r in re.findall(r"<tr>(.*?)</tr>", body.group(1), re.S)]

    assert table("chart-departments") == [
        "Mobility 2 trips",
        "Culture 1 trip",
        "International Relations 1 trip",
    ]
    assert table("chart-cost") == ["2025 $2,000 $0 $2,000", "2026 $6,000 $2,000 $8,000"]
    assert table("chart-outcomes") == ["2025 0 0 0 0 0", "2026 1 1 0 0 2"]
    assert table("chart-notice") == ["Q4 2025 20", "Q1 2026 30", "Q2 2026 5"]
    # A bar leads to the trips it counts.
    assert 'href="/?lang=en&amp;year=2026&amp;department=Culture#trips"' in page


EXPECTED = {
    # language: (1 trip, many trips, 1 outcome achieved, 1 report overdue)
    "en": ("1 trip abroad", "2 trips abroad", "1 expected outcome achieved", "1 report overdue"),
    "es": (
        "1 viaje al exterior",
        "2 viajes al exterior",
        "1 resultado esperado logrado",
        "1 informe atrasado",
    ),
    "fr": (
        "1 déplacement à l'étranger",
        "2 déplacements à l'étranger",
        "1 résultat attendu atteint",
        "1 rapport en retard",
    ),
    "pt": (
        "1 viagem ao exterior",
        "2 viagens ao exterior",
        "1 resultado esperado alcançado",
        "1 relatório atrasado",
    ),
}
ZERO = {
    "en": ("0 reports overdue", "no report filed yet"),
    "es": ("0 informes atrasados", "aún no hay informes presentados"),
    "fr": ("0 rapport en retard", "aucun rapport déposé pour l'instant"),
    "pt": ("0 relatório atrasado", "nenhum relatório apresentado ainda"),
}


@pytest.mark.parametrize("lang", LANGS)
def test_each_language_agrees_with_zero_one_and_many(site: Site, lang: str) -> None:
    one, many, achieved, overdue = EXPECTED[lang]
    cards_2025 = _cards(httpx.get(f"{site.url}/?year=2025&lang={lang}").text)
    cards_2026 = _cards(httpx.get(f"{site.url}/?year=2026&lang={lang}").text)
    cards_2024 = _cards(httpx.get(f"{site.url}/?year=2024&lang={lang}").text)
    assert cards_2025["trips"].startswith(one)
    assert cards_2026["trips"].startswith(many)
    assert cards_2026["outcomes"].startswith(achieved)
    assert cards_2026["overdue"].startswith(overdue)
    assert cards_2024["overdue"] == " ".join(ZERO[lang])
    everything = " ".join([*cards_2024.values(), *cards_2025.values(), *cards_2026.values()])
    for wrong in ("1 atteints", "1 logrados", "1 alcançados", "Only 0", "{", "}"):
        assert wrong not in everything


def test_an_unknown_figure_is_a_problem(site: Site) -> None:
    answer = httpx.get(f"{site.url}/?figure=everything")
    assert answer.status_code == 400
    assert answer.headers["content-type"] == "application/problem+json"
    assert "figure is one of" in answer.json()["detail"]
