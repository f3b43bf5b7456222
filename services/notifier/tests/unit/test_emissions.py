"""Travel emissions: distances, the gazetteer, the published factors, each trip's legs and the
checklist signal against the city's median."""

import math
from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from notifier.checklist.rules import Rules
from notifier.checklist.signals import CO2E, emissions, evaluate
from notifier.emissions import factors
from notifier.emissions.distance import Point, great_circle_km
from notifier.emissions.footprint import of_trip
from notifier.emissions.gazetteer import home, locate
from notifier.publish.models import TripState
from notifier.publish.yearbook import build, part
from notifier.settings import Settings
from notifier.testing import snapshot
from periplus.public import TripSnapshot

# Pure computation: the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

MONTEVIDEO = home("Montevideo, UY")
TODAY = date(2026, 11, 30)


def test_great_circle_distances_on_a_sphere_of_6371_km() -> None:
    assert great_circle_km(Point(0, 0), Point(0, 90)) == pytest.approx(math.pi / 2 * 6371)
    assert great_circle_km(Point(0, 0), Point(0, 0)) == 0
    # London to Paris, as every haversine calculator gives it.
    assert great_circle_km(Point(51.5074, -0.1278), Point(48.8566, 2.3522)) == pytest.approx(
        343.5, abs=0.5
    )


def test_factors_are_desnz_2025_with_their_ids_and_the_band_changes_at_3700_km() -> None:
    table = {f.id: f.kg_per_passenger_km for f in factors.TABLE}
    assert table == {
        "21_316_3162_11_1": 0.12786,
        "21_316_3168_11_1": 0.15282,
        "21_316_3178_11_1": 0.14253,
    }
    assert factors.YEAR == 2025
    assert "conversion factors 2025" in factors.PUBLICATION
    assert factors.for_distance(3700) is factors.SHORT_HAUL
    assert factors.for_distance(3700.1) is factors.LONG_HAUL


def test_the_gazetteer_finds_a_city_by_any_of_its_names_within_its_country() -> None:
    brussels = locate("Brussels", "BE")
    assert brussels is not None
    assert not brussels.approximate
    assert brussels.point.lat == pytest.approx(50.85, abs=0.05)
    for spelling, code in (("Bruxelles", "be"), ("BRUXELLES", "BE"), ("Brüssel", "BE")):
        found = locate(spelling, code)
        assert found is not None
        assert found.point == brussels.point
        assert found.country == "BE"
    sao_paulo, plain = locate("São Paulo", "BR"), locate("Sao Paulo", "BR")
    assert sao_paulo is not None
    assert plain is not None
    assert sao_paulo.point == plain.point
    # Porto in Portugal, not a namesake elsewhere.
    porto = locate("Porto", "PT")
    assert porto is not None
    assert porto.point.lon == pytest.approx(-8.61, abs=0.05)


def test_an_unknown_city_stands_at_its_capital_and_an_unknown_country_nowhere() -> None:
    stand_in = locate("A village that is in no gazetteer", "UY")
    assert stand_in is not None
    assert stand_in.approximate
    assert stand_in.point == MONTEVIDEO.point
    assert locate("Quito", "XX") is None


def test_the_city_location_setting_reads_coordinates_or_a_named_city() -> None:
    assert MONTEVIDEO.point.lat == pytest.approx(-34.90, abs=0.05)
    assert home(" -34.9 , -56.2 ").point == Point(-34.9, -56.2)
    for bad, why in (
        ("Atlantis, UY", "knows no such city"),
        ("Montevideo", "neither"),
        ("91,0", "within"),
        ("0,181", "within"),
    ):
        with pytest.raises(ValueError, match=why):
            home(bad)
    with pytest.raises(ValidationError, match="city_location"):
        Settings(city_location="Atlantis, UY")
    assert Settings(city_location="Montevideo, UY").home == MONTEVIDEO
    assert Settings().home is None


def _law_of_cosines(a: Point, b: Point) -> float:
    """The same distance by another formula, to check the haversine against."""
    p1, p2, dl = math.radians(a.lat), math.radians(b.lat), math.radians(b.lon - a.lon)
    cosine = math.sin(p1) * math.sin(p2) + math.cos(p1) * math.cos(p2) * math.cos(dl)
    return 6371 * math.acos(cosine)


def _two_cities() -> TripSnapshot:
    trip = snapshot(days=6, size=3, country="BE", city="Brussels")
    trip["itinerary"] = [
        {"country": "BE", "city": "Brussels", "arrive": "2026-03-10", "depart": "2026-03-12"},
        {"country": "PT", "city": "Porto", "arrive": "2026-03-12", "depart": "2026-03-15"},
    ]
    return TripSnapshot.model_validate(trip)


def test_a_trip_flies_home_each_destination_in_order_and_home_at_its_bands_factors() -> None:
    flown = of_trip(_two_cities(), MONTEVIDEO)
    assert flown is not None
    route = [(f.origin.city, f.destination.city, f.factor.band) for f in flown.flights]
    assert route == [
        ("Montevideo", "Brussels", "long"),
        ("Brussels", "Porto", "short"),
        ("Porto", "Montevideo", "long"),
    ]
    there = flown.flights[0]
    assert there.km == pytest.approx(_law_of_cosines(there.origin.point, there.destination.point))
    assert there.kg == pytest.approx(there.km * 0.15282)
    per_traveller = sum(f.km * f.factor.kg_per_passenger_km for f in flown.flights)
    assert flown.per_traveller_kg == pytest.approx(per_traveller)
    assert flown.total_kg == pytest.approx(3 * per_traveller)
    assert flown.per_traveller_day_kg == pytest.approx(per_traveller / 6)
    assert flown.unlocated == ()
    assert flown.approximate == ()


def test_a_stop_in_the_home_city_or_an_unknown_country_adds_no_leg_and_says_so() -> None:
    trip = TripSnapshot.model_validate(snapshot(country="UY", city="Montevideo"))
    assert of_trip(trip, MONTEVIDEO).flights == ()  # type: ignore[union-attr]
    leg = trip.itinerary[0].model_copy(update={"country": "XX"})
    trip = trip.model_copy(update={"itinerary": [*trip.itinerary, leg]})
    flown = of_trip(trip, MONTEVIDEO)
    assert flown is not None
    assert flown.unlocated == ("Montevideo, XX",)
    assert of_trip(trip.model_copy(update={"delegation_size": 0}), MONTEVIDEO) is None
    assert of_trip(trip, None) is None  # the city's location is not set


def test_the_signal_warns_only_far_above_the_city_median_per_traveller_day() -> None:
    rules = Rules()
    assert rules.max_emissions_ratio == 3
    medians = {CO2E: Decimal(100)}
    calm = emissions(300.0, medians, rules)
    assert calm is not None
    assert calm.status == "pass"
    assert calm.figures["ratio"] == 3
    high = emissions(301.0, medians, rules)
    assert high is not None
    assert high.status == "warning"
    assert high.message == "emissions.warning"
    alone = emissions(50.0, {}, rules)
    assert alone is not None
    assert alone.message == "emissions.alone"
    assert emissions(None, medians, rules) is None
    state = TripState.model_validate({"trip": snapshot()})
    assert "emissions" in [s.key for s in evaluate(state, medians, TODAY, rules, 500.0)]
    assert "emissions" not in [s.key for s in evaluate(state, medians, TODAY, rules)]


def test_the_yearbook_sums_emissions_and_keeps_their_median_beside_the_costs() -> None:
    rules = Rules()
    near = TripState.model_validate({"trip": snapshot("A", country="AR", city="Buenos Aires")})
    far = TripState(trip=_two_cities())
    cancelled = TripState.model_validate(
        {
            "trip": snapshot("C", country="JP", city="Tokyo"),
            "cancelled": {"reason": "x", "occurred_at": "2026-03-01"},
        }
    )
    parts = [
        part("a", "approved", near, TODAY, rules, MONTEVIDEO),
        part("b", "approved", far, TODAY, rules, MONTEVIDEO),
        part("c", "cancelled", cancelled, TODAY, rules, MONTEVIDEO),
    ]
    book = build(p for p in parts if p is not None)
    year = book.year(2026)
    flown = [of_trip(s.trip, MONTEVIDEO) for s in (near, far)]
    assert year.estimated.keys() == {"a", "b"}
    assert year.estimated["a"] == pytest.approx(flown[0].total_kg)  # type: ignore[union-attr]
    assert year.co2e_kg == pytest.approx(sum(f.total_kg for f in flown if f is not None))
    per_day = sorted(f.per_traveller_day_kg for f in flown if f is not None)
    assert float(book.medians[CO2E]) == pytest.approx(sum(per_day) / 2)
    assert "USD" in book.medians  # the cost median is still there, by its currency
    assert year.stops == {("AR", "Buenos Aires"): 1, ("BE", "Brussels"): 1, ("PT", "Porto"): 1}
    without_home = part("a", "approved", near, TODAY, rules)
    assert without_home is not None
    assert without_home.co2e_kg is None
