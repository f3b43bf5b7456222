"""The map of destinations: the projection, the outlines from the package, and one drawn map."""

import io
import re
import xml.etree.ElementTree as ET
import zipfile
from itertools import pairwise

import pytest
import shapefile

from notifier.emissions.distance import Point
from notifier.emissions.gazetteer import home
from notifier.publish import worldmap

# Pure drawing: the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

SVG = "{http://www.w3.org/2000/svg}"


def test_equal_earth_puts_the_origin_in_the_middle_and_the_edges_at_the_edges() -> None:
    assert worldmap.project(Point(0, 0)) == pytest.approx((500, worldmap.HEIGHT / 2), abs=0.1)
    assert worldmap.project(Point(0, 180))[0] == pytest.approx(1000, abs=0.1)
    assert worldmap.project(Point(0, -180))[0] == pytest.approx(0, abs=0.1)
    assert worldmap.project(Point(90, 0))[1] == pytest.approx(0, abs=0.1)
    # Equal-area: the pole is a short line, not as wide as the equator.
    assert worldmap.project(Point(90, 180))[0] < 800


def test_the_world_layer_outlines_the_countries_and_is_a_standalone_svg() -> None:
    outlines = worldmap.outlines()
    assert len(outlines) > 150
    assert {"UY", "BR", "BE", "FR", "JP", "AU", "US"} <= outlines.keys()
    root = ET.fromstring(worldmap.world_svg())  # noqa: S314 (the site's own SVG)
    assert root.tag == f"{SVG}svg"
    titled = [p.findtext(f"{SVG}title") for p in root.iter(f"{SVG}path")]
    assert sorted(t for t in titled if t) == sorted(outlines)
    assert titled.count(None) == 1  # the land that no country code names
    assert "href" not in worldmap.world_svg()  # nothing to fetch


def _box(path: str) -> tuple[float, float, float, float]:
    xs, ys = zip(
        *((float(x), float(y)) for x, y in re.findall(r"([\d.]+) ([\d.]+)", path)), strict=True
    )
    return min(xs), min(ys), max(xs), max(ys)


def test_every_country_has_its_outline_around_its_capital_even_small_islands() -> None:
    outlines = worldmap.outlines()
    # Natural Earth's 1:10m countries: all but a few territories drawn within another's.
    assert len(outlines) >= 235
    for code, capital in (
        ("HU", "Budapest"),
        ("RS", "Belgrade"),
        ("MM", "Naypyidaw"),
        ("SG", "Singapore"),
        ("MT", "Valletta"),
        ("MU", "Port Louis"),
        ("FR", "Paris"),
        ("NO", "Oslo"),
        ("UY", "Montevideo"),
    ):
        place = home(f"{capital}, {code}")
        x, y = worldmap.project(place.point)
        left, top, right, bottom = _box(outlines[code])
        assert left - 1 <= x <= right + 1, code
        assert top - 1 <= y <= bottom + 1, code


def _stops() -> list[worldmap.Stop]:
    return worldmap.stops(
        {("BE", "Brussels"): 3, ("PT", "Porto"): 1, ("BR", "São Paulo"): 2, ("XX", "Nowhere"): 1}
    )


def test_destinations_are_located_and_listed_the_busiest_first() -> None:
    found = _stops()
    assert [(s.country, s.city, s.trips) for s in found] == [
        ("BE", "Brussels", 3),
        ("BR", "São Paulo", 2),
        ("PT", "Porto", 1),
        ("XX", "Nowhere", 1),
    ]
    assert [s.place is not None for s in found] == [True, True, True, False]


def test_a_map_draws_visited_countries_a_dot_per_located_city_and_home() -> None:
    svg = worldmap.draw(
        _stops(),
        home("Montevideo, UY"),
        title="Where trips went in 2026",
        description="4 cities <in> 4 countries",
        base="/static/world.svg",
        labels={"BE/Brussels": "Brussels, Belgium: 3 trips"},
    )
    root = ET.fromstring(str(svg))  # noqa: S314 (the site's own SVG)
    assert root.get("role") == "img"
    assert root.get("aria-labelledby") == "map-title map-desc"
    assert root.findtext(f"{SVG}title") == "Where trips went in 2026"
    assert root.findtext(f"{SVG}desc") == "4 cities <in> 4 countries"
    dots = root.findall(f".//{SVG}circle")
    assert len(dots) == 3  # the unknown country has no dot, only its row in the list
    assert [d.findtext(f"{SVG}title") for d in dots][-1] == "Brussels, Belgium: 3 trips"
    radii = sorted(float(d.get("r", 0)) for d in dots)
    assert radii[0] < radii[-1]  # more trips, a larger dot
    visited = root.findall(f".//{SVG}g[@fill='{worldmap.VISITED}']/{SVG}path")
    assert len(visited) == 3
    assert len(root.findall(f"{SVG}rect")) == 2  # the sea, and home
    assert root.find(f"{SVG}image").get("href") == "/static/world.svg"  # type: ignore[union-attr]
    assert "http:" not in str(svg).replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_a_region_shows_part_of_the_world() -> None:
    world = worldmap.view_box("world")
    europe = worldmap.view_box("europe")
    assert world[2] == pytest.approx(1000, abs=1)
    assert europe[2] < world[2] / 3
    brussels = worldmap.project(Point(50.85, 4.35))
    assert europe[0] < brussels[0] < europe[0] + europe[2]
    assert europe[1] < brussels[1] < europe[1] + europe[3]
    svg = worldmap.draw(_stops(), None, title="t", description="d", base="/w", region="europe")
    assert f'viewBox="{europe[0]:g} {europe[1]:g} {europe[2]:g} {europe[3]:g}"' in svg


def test_the_shapefile_reads_as_pyshp_reads_it() -> None:
    """The outlines are read straight from the zip's bytes; ``pyshp``, a full reader of the
    format, finds the same codes and the same points in the same records."""
    with zipfile.ZipFile(worldmap._archive()) as archive:
        stem = worldmap.NATURAL_EARTH[1].removesuffix(".zip")
        shp, dbf = archive.read(f"{stem}.shp"), archive.read(f"{stem}.dbf")
    reference = shapefile.Reader(shp=io.BytesIO(shp), dbf=io.BytesIO(dbf), encoding="utf-8")
    records = list(reference.iterShapeRecords())
    codes, rings = worldmap._codes(dbf), list(worldmap._rings(shp))
    assert len(codes) == len(rings) == len(records) > 200
    for code, parts, record in zip(codes, rings, records, strict=True):
        fields, shape = record.record, record.shape
        assert fields is not None
        assert shape is not None
        named = [str(fields[name]) for name in ("ISO_A2_EH", "ISO_A2")]
        expected = next((c.upper() for c in named if len(c) == 2 and c.isalpha()), None)
        assert code == expected
        starts = [*shape.parts, len(shape.points)]
        assert [list(ring) for ring in parts] == [
            [c for point in shape.points[a:b] for c in point[:2]] for a, b in pairwise(starts)
        ]


def test_a_ring_is_drawn_with_the_projection_itself() -> None:
    """Every point kept is projected as ``project`` does, written out for speed."""
    points = [(-56.19, -34.9), (4.35, 50.85), (139.7, 35.7), (179.9, -89.9), (-180.0, 84.0)]
    ring = [c for point in points for c in point]
    projected = (worldmap.project(Point(lat, lon)) for lon, lat in points)
    assert (
        worldmap._ring(ring, 0, 0) == "M" + "L".join(f"{x:.1f} {y:.1f}" for x, y in projected) + "Z"
    )
