"""The map of destinations and the flight emissions, as the public reads them over HTTP."""

import re
import xml.etree.ElementTree as ET

import httpx
import pytest

from notifier.emissions.footprint import of_trip
from notifier.emissions.gazetteer import home
from notifier.testing import (
    EUROPE,
    QUITO,
    TOKYO,
    Site,
    europe,
    feed_travels,
    serve,
    snapshot,
    tokyo,
)
from periplus.public import TripSnapshot

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

LANGS = ("en", "es", "fr", "pt")
# The methodology's headings, in each language's own words.
HEADINGS = {
    "en": ("How the estimate is made", "What the estimate leaves out"),
    "es": ("Cómo se hace la estimación", "Lo que la estimación deja fuera"),
    "fr": ("Comment l&#39;estimation est faite", "Ce que l&#39;estimation laisse de côté"),
    "pt": ("Como a estimativa é feita", "O que a estimativa deixa de fora"),
}


def test_the_map_page_draws_each_destination_and_lists_it_with_a_link(travel_site: Site) -> None:
    page = httpx.get(f"{travel_site.url}/map", params={"year": 2026, "lang": "en"})
    assert page.status_code == 200
    svg = re.search(r'<svg xmlns="http://www.w3.org/2000/svg" class="worldmap".*?</svg>', page.text)
    assert svg is not None
    root = ET.fromstring(svg[0])  # noqa: S314 (the site's own SVG)
    assert len(root.findall(".//{http://www.w3.org/2000/svg}circle")) == 4
    assert "4 cities in 4 countries" in page.text
    rows = re.findall(r'<tr><td><a href="([^"]+)">([^<]+)</a></td><td>([^<]+)', page.text)
    assert [(country, city) for _, country, city in rows] == [
        ("Belgium", "Brussels"),
        ("Ecuador", "Quito"),
        ("Japan", "Tokyo"),
        ("Portugal", "Porto"),
    ]
    assert rows[0][0] == "/?country=BE&amp;year=2026&amp;lang=en#trips"
    europe = httpx.get(f"{travel_site.url}/map", params={"year": 2026, "region": "europe"})
    assert europe.status_code == 200
    assert europe.text != page.text
    assert 'aria-current="page">Europe</a>' in europe.text
    assert httpx.get(f"{travel_site.url}/map", params={"region": "mars"}).status_code == 422


def test_the_world_layer_is_served_by_the_site_itself(travel_site: Site) -> None:
    layer = httpx.get(f"{travel_site.url}/static/world.svg")
    assert layer.status_code == 200
    assert layer.headers["content-type"].startswith("image/svg+xml")
    assert len(ET.fromstring(layer.text)) > 0  # noqa: S314 (the site's own SVG)


def test_the_home_page_shows_the_map_and_the_years_emissions_against_the_plan(
    travel_site: Site,
) -> None:
    page = httpx.get(f"{travel_site.url}/", params={"year": 2026, "lang": "en"})
    assert page.status_code == 200
    assert 'id="h-map"' in page.text
    assert 'class="worldmap"' in page.text
    trips = [europe(), tokyo(), snapshot("MVD-2026-0011")]
    flown = [of_trip(TripSnapshot.model_validate(t), home("Montevideo, UY")) for t in trips]
    total = sum(f.total_kg for f in flown if f is not None) / 1000
    assert f"Flights of the 3 trips that depart in 2026: about {total:.1f} t CO₂e." in page.text
    assert f"That is {round(100 * total / 20)}% of the 20.0 t CO₂e a year" in page.text


def test_a_trip_page_lists_each_leg_with_its_distance_band_and_factor(travel_site: Site) -> None:
    page = httpx.get(f"{travel_site.url}/trips/{EUROPE}", params={"lang": "en"})
    assert page.status_code == 200
    legs = re.findall(
        r"<tr><td>([^<]+)</td><td>([^<]+)</td><td class=\"num\">([\d,]+)</td>"
        r"<td class=\"hide-narrow\">([^<]+)</td><td class=\"num hide-narrow\">"
        r"([\d.]+)</td>",
        page.text,
    )
    assert [(a, b, band, f) for a, b, _, band, f in legs] == [
        ("Montevideo (Uruguay)", "Brussels (Belgium)", "long haul", "0.15282"),
        ("Brussels (Belgium)", "Porto (Portugal)", "short haul", "0.12786"),
        ("Porto (Portugal)", "Montevideo (Uruguay)", "long haul", "0.15282"),
    ]
    assert "for the flights of 3 travellers" in page.text
    assert 'href="/emissions?lang=en"' in page.text


@pytest.mark.parametrize("lang", LANGS)
def test_the_methodology_page_reads_in_each_language_with_the_published_factors(
    travel_site: Site, lang: str
) -> None:
    page = httpx.get(f"{travel_site.url}/emissions", params={"year": 2026, "lang": lang})
    assert page.status_code == 200
    assert page.headers["content-language"].startswith(lang)
    for heading in HEADINGS[lang]:
        assert f">{heading}</h2>" in page.text
    for factor_id in ("21_316_3162_11_1", "21_316_3168_11_1", "21_316_3178_11_1"):
        assert factor_id in page.text
    decimal = "." if lang == "en" else ","
    assert f"0{decimal}12786" in page.text
    assert f"0{decimal}15282" in page.text
    assert "conversion factors 2025" in page.text
    # The year's trips with the largest estimates, largest first, each linked to its page.
    listed = re.findall(r'<tr><td><a href="/trips/([0-9a-f-]+)\?lang=', page.text)
    assert listed == [EUROPE, TOKYO, QUITO]
    assert "3,700" in page.text if lang == "en" else re.search(r"3.700", page.text)


def test_without_the_citys_location_nothing_is_estimated_and_the_map_still_shows(
    database_url: str,
) -> None:
    for running in serve(database_url):
        feed_travels(running)
        trip = httpx.get(f"{running.url}/trips/{EUROPE}", params={"lang": "en"})
        assert trip.status_code == 200
        assert 'id="h-flights"' not in trip.text
        method = httpx.get(f"{running.url}/emissions", params={"lang": "en"})
        assert "own location is not configured" in method.text
        shown = httpx.get(f"{running.url}/map?year=2026&lang=en").text
        assert 'class="worldmap"' in shown
        assert "4 cities in 4 countries" in shown
        assert "the square is the city itself" not in shown  # no city to draw


def test_the_checklist_flags_the_trip_that_flies_far_for_its_days(travel_site: Site) -> None:
    per_day = {}
    for trip_id, trip in ((QUITO, snapshot("MVD-2026-0011")), (EUROPE, europe()), (TOKYO, tokyo())):
        flown = of_trip(TripSnapshot.model_validate(trip), home("Montevideo, UY"))
        assert flown is not None
        per_day[trip_id] = flown.per_traveller_day_kg
    median = sorted(per_day.values())[1]
    assert per_day[TOKYO] > 3 * median > per_day[EUROPE]
    for trip_id, status in ((TOKYO, "warning"), (EUROPE, "pass")):
        page = httpx.get(f"{travel_site.url}/trips/{trip_id}", params={"lang": "en"})
        line = re.search(
            r'<li data-signal="emissions" data-status="(\w+)">.*?</li>', page.text, re.S
        )
        assert line is not None
        assert line[1] == status
        assert f"{round(per_day[trip_id]):,} kg CO₂e per traveller-day" in line[0]
        assert f"median of {round(median):,} kg" in line[0]
    tokyo_page = httpx.get(f"{travel_site.url}/trips/{TOKYO}", params={"lang": "en"}).text
    assert "(above 3.0 times)" in tokyo_page
    # The list of trips counts the same warnings as the trip's own page.
    listed = httpx.get(f"{travel_site.url}/", params={"year": 2026, "lang": "en"}).text
    row = re.search(rf'href="/trips/{TOKYO}[^"]*".*?</tr>', listed, re.S)
    assert row is not None
    badge = re.search(r'<span class="badge s-warning">(\d+)</span>', row[0])
    assert badge is not None
    assert int(badge[1]) == tokyo_page.count('data-status="warning"')
