"""One trip's estimated flight emissions: home, each destination in order, home again.

Each leg is taken as a direct flight along the great circle, at the factor of
its distance band, for every traveller. It is an estimate: real routes are
longer, some legs go by train, and the cabin class is not recorded.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from notifier.emissions import factors
from notifier.emissions.distance import great_circle_km
from notifier.emissions.gazetteer import Place, locate
from notifier.publish.models import trip_days
from periplus.public import Leg, TripSnapshot


@dataclass(frozen=True)
class Flight:
    """One leg, and what it emits per passenger."""

    origin: Place
    destination: Place
    km: float
    factor: factors.Factor

    @property
    def kg(self) -> float:
        return self.km * self.factor.kg_per_passenger_km


@dataclass(frozen=True)
class Footprint:
    """A trip's legs and its totals, in kg CO2e."""

    flights: tuple[Flight, ...]
    travellers: int
    days: int
    unlocated: tuple[str, ...] = ()
    """Destinations whose country the gazetteer does not know: left out of the legs."""

    @property
    def per_traveller_kg(self) -> float:
        return sum(f.kg for f in self.flights)

    @property
    def total_kg(self) -> float:
        return self.per_traveller_kg * self.travellers

    @property
    def per_traveller_day_kg(self) -> float:
        return self.per_traveller_kg / self.days

    @property
    def approximate(self) -> tuple[Place, ...]:
        """Destinations placed at their country's capital."""
        return tuple(f.destination for f in self.flights if f.destination.approximate)


def _stops(itinerary: Sequence[Leg]) -> tuple[list[Place], list[str]]:
    stops, unlocated = [], []
    for leg in itinerary:
        place = locate(leg.city, leg.country)
        if place is None:
            unlocated.append(f"{leg.city}, {leg.country}")
        else:
            stops.append(place)
    return stops, unlocated


def route(home: Place, stops: Sequence[Place]) -> tuple[Flight, ...]:
    """The legs from home through each stop and back; a stop in the same city adds none."""
    path = [home, *stops, home]
    flights = []
    for origin, destination in pairwise(path):
        km = great_circle_km(origin.point, destination.point)
        if km >= 1:
            flights.append(Flight(origin, destination, km, factors.for_distance(km)))
    return tuple(flights)


def of_trip(trip: TripSnapshot | None, home: Place | None) -> Footprint | None:
    """The trip's footprint, or None when the city's location is not set, or the trip's
    record does not validate or has no days or travellers to count by."""
    if trip is None or home is None:
        return None
    days, travellers = trip_days(trip), trip.delegation_size
    if days is None or travellers < 1:
        return None
    stops, unlocated = _stops(trip.itinerary)
    return Footprint(route(home, stops), travellers, days, tuple(unlocated))


def per_traveller_day(trip: TripSnapshot | None, home: Place | None) -> float | None:
    """The figure the checklist weighs against the city's median; None where none is estimated."""
    flown = of_trip(trip, home)
    return flown.per_traveller_day_kg if flown is not None else None
