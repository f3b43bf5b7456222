"""A map of where trips went, drawn on the server as SVG: no script, no tiles, nothing fetched.

Country outlines come from the ``countryinfo`` package (Natural Earth, through
world.geo.json), drawn once in the Equal Earth projection as a static SVG
(``/static/world.svg``) that each page's map shows under its own layer: the
countries visited, and a dot per city, sized by its number of trips. Every dot
is also a row of the list beside the map, which is what a keyboard or a screen
reader uses; the picture adds nothing that the list does not say.
"""

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from typing import Any

from countryinfo import CountryInfo
from markupsafe import Markup

from notifier.emissions.distance import Point
from notifier.emissions.gazetteer import Place, locate

# Equal Earth (Šavrič, Patterson and Jenny, 2018): equal-area, so no country looks
# larger than it is, and its curved sides keep the poles short.
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def _equal_earth(point: Point) -> tuple[float, float]:
    """The projection itself, on the unit sphere: x east, y north of the centre."""
    lam, phi = math.radians(point.lon), math.radians(point.lat)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    denominator = 3 * (9 * A4 * t6 * t2 + 7 * A3 * t6 + 3 * A2 * t2 + A1)
    x = 2 * math.sqrt(3) * lam * math.cos(theta) / denominator
    return x, theta * (A4 * t6 * t2 + A3 * t6 + A2 * t2 + A1)


X_MAX, Y_MAX = _equal_earth(Point(0, 180))[0], _equal_earth(Point(90, 0))[1]
WIDTH = 1000.0
SCALE = WIDTH / (2 * X_MAX)
HEIGHT = round(2 * Y_MAX * SCALE, 1)
LAND, VISITED, EDGE, DOT, HOME = "#e2e5e9", "#7fb6dc", "#ffffff", "#b45309", "#1b1f24"

# Each region as a box of longitudes and latitudes (west, south, east, north).
REGIONS: dict[str, tuple[float, float, float, float]] = {
    "world": (-180, -60, 180, 84),
    "africa": (-20, -36, 53, 38),
    "americas": (-170, -57, -30, 75),
    "asia": (25, -11, 150, 56),
    "europe": (-25, 34, 45, 72),
    "oceania": (110, -50, 180, 0),
}


@dataclass(frozen=True)
class Stop:
    """A destination: a city, how many trips went there, and where it is (if known)."""

    country: str
    city: str
    trips: int
    place: Place | None


def stops(visits: Mapping[tuple[str, str], int]) -> list[Stop]:
    """Each (country, city) visited and its number of trips, located, the busiest first."""
    found = [
        Stop(country, city, trips, locate(city, country))
        for (country, city), trips in visits.items()
    ]
    return sorted(found, key=lambda s: (-s.trips, s.country, s.city))


def project(point: Point) -> tuple[float, float]:
    """Equal Earth, in the map's units: x to the east from the left edge, y down from the top."""
    x, y = _equal_earth(point)
    return (x + X_MAX) * SCALE, (Y_MAX - y) * SCALE


def _ring(ring: Sequence[Sequence[float]]) -> str:
    points, last = [], None
    for lon, lat in ((float(c[0]), float(c[1])) for c in ring):
        x, y = project(Point(lat, lon))
        here = f"{x:.1f} {y:.1f}"
        if here != last:
            points.append(here)
            last = here
    return "M" + "L".join(points) + "Z" if len(points) > 2 else ""


def _path(geometry: dict[str, Any]) -> str:
    coordinates = geometry.get("coordinates") or []
    polygons = [coordinates] if geometry.get("type") == "Polygon" else coordinates
    return "".join(_ring(ring) for polygon in polygons for ring in polygon)


@cache
def outlines() -> dict[str, str]:
    """Each country's outline as SVG path data, by ISO 3166-1 alpha-2 code."""
    found: dict[str, str] = {}
    for country in CountryInfo.all().values():
        code = (country.get("ISO") or {}).get("alpha2")
        shape = country.get("geoJSON") or {}
        paths = "".join(_path(f.get("geometry") or {}) for f in shape.get("features") or [])
        if code and paths:
            found[str(code).upper()] = paths
    return found


@cache
def world_svg() -> str:
    """The land, every country outlined: the layer under every map, served as a static file."""
    paths = "".join(
        f'<path d="{d}"><title>{escape(code)}</title></path>'
        for code, d in sorted(outlines().items())
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH:g} {HEIGHT:g}" '
        f'width="{WIDTH:g}" height="{HEIGHT:g}">'
        f'<g fill="{LAND}" stroke="{EDGE}" stroke-width="0.5">{paths}</g></svg>'
    )


@cache
def view_box(region: str) -> tuple[float, float, float, float]:
    """The part of the map a region shows: x, y, width, height."""
    west, south, east, north = REGIONS[region]
    edge = [Point(lat, lon) for lat in (south, north) for lon in range(int(west), int(east) + 1)]
    edge += [
        Point(float(lat), lon) for lon in (west, east) for lat in range(int(south), int(north))
    ]
    xs, ys = zip(*(project(p) for p in edge), strict=True)
    left, top = max(min(xs) - 8, 0.0), max(min(ys) - 8, 0.0)
    right, bottom = min(max(xs) + 8, WIDTH), min(max(ys) + 8, HEIGHT)
    return round(left, 1), round(top, 1), round(right - left, 1), round(bottom - top, 1)


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def draw(
    stops: Iterable[Stop],
    home: Place | None,
    *,
    title: str,
    description: str,
    base: str,
    region: str = "world",
    labels: dict[str, str] | None = None,
) -> Markup:
    """The map of one set of destinations: the world underneath, visited countries and dots.

    ``base`` is the address of ``world_svg``; ``labels`` names each dot (by
    ``country/city``) in the reader's language, for the tooltip a pointer shows.
    """
    left, top, width, height = view_box(region)
    zoom = width / WIDTH
    shown = sorted((s for s in stops if s.place is not None), key=lambda s: -s.trips)
    countries = sorted({s.country for s in shown} & outlines().keys())
    visited = "".join(f'<path d="{outlines()[code]}"/>' for code in countries)
    dots = []
    for stop in reversed(shown):  # the busiest last, drawn on top
        assert stop.place is not None
        x, y = project(stop.place.point)
        radius = (4 + 3 * math.sqrt(stop.trips)) * max(zoom, 0.3)
        name = (labels or {}).get(f"{stop.country}/{stop.city}", stop.city)
        dots.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{radius:.1f}"><title>{_e(name)}</title></circle>'
        )
    marker = ""
    if home is not None:
        x, y = project(home.point)
        size = 5 * max(zoom, 0.3)
        marker = (
            f'<rect x="{x - size:.1f}" y="{y - size:.1f}" width="{2 * size:.1f}" '
            f'height="{2 * size:.1f}" fill="{HOME}" stroke="#fff" stroke-width="{size / 4:.2f}"/>'
        )
    # Every value drawn in is a number or passed through escape().
    return Markup(  # noqa: S704
        f'<svg xmlns="http://www.w3.org/2000/svg" class="worldmap" role="img" '
        f'viewBox="{left:g} {top:g} {width:g} {height:g}" aria-labelledby="map-title map-desc">'
        f'<title id="map-title">{_e(title)}</title><desc id="map-desc">{_e(description)}</desc>'
        f'<rect x="{left:g}" y="{top:g}" width="{width:g}" height="{height:g}" fill="#f8fafc"/>'
        f'<image href="{_e(base)}" x="0" y="0" width="{WIDTH:g}" height="{HEIGHT:g}"/>'
        f'<g fill="{VISITED}" stroke="{EDGE}" stroke-width="{0.5 * zoom:.2f}">{visited}</g>'
        f'<g fill="{DOT}" fill-opacity="0.85" stroke="#fff" stroke-width="{zoom:.2f}">'
        f"{''.join(dots)}</g>{marker}</svg>"
    )
