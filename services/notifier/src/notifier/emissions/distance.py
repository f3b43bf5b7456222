"""Great-circle distance on a sphere: the shortest path a flight could take."""

import math
from dataclasses import dataclass

EARTH_RADIUS_KM = 6371.0
"""The mean radius; a sphere is within about 0.5 % of the ellipsoid, well inside the
uncertainty of the factors themselves."""


@dataclass(frozen=True)
class Point:
    """A place on the globe, in degrees (WGS 84)."""

    lat: float
    lon: float


def great_circle_km(a: Point, b: Point) -> float:
    """The haversine distance between two points."""
    phi1, phi2 = math.radians(a.lat), math.radians(b.lat)
    dphi, dlambda = phi2 - phi1, math.radians(b.lon - a.lon)
    h = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))
