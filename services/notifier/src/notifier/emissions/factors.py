"""The emission factors, as published, with what an auditor needs to find each one.

UK Department for Energy Security and Net Zero (DESNZ), "Greenhouse gas
reporting: conversion factors 2025", sheet "Business travel - air", unit
passenger.km, kg CO2e, with radiative forcing (the warming of contrails and
high-altitude emissions beyond the CO2 itself). Trips do not record the cabin
class, so the "average passenger" row is used. DESNZ's guide puts the line
between short and long haul at about 3,700 km.
"""

from dataclasses import dataclass

PUBLICATION = 'DESNZ, "Greenhouse gas reporting: conversion factors 2025"'
YEAR = 2025
SHEET = "Business travel – air"
UNIT = "kg CO2e per passenger.km, with radiative forcing"
HAUL_LIMIT_KM = 3700.0
"""Legs up to this distance take the short-haul factor; longer ones the long-haul factor."""


@dataclass(frozen=True)
class Factor:
    """One published factor: its DESNZ id, the band it applies to, and its value."""

    id: str
    band: str
    row: str
    kg_per_passenger_km: float


SHORT_HAUL = Factor(
    "21_316_3162_11_1", "short", "Short-haul, to/from UK; average passenger", 0.12786
)
LONG_HAUL = Factor("21_316_3168_11_1", "long", "Long-haul, to/from UK; average passenger", 0.15282)
INTERNATIONAL = Factor(
    "21_316_3178_11_1", "international", "International, to/from non-UK; average passenger", 0.14253
)
TABLE = (SHORT_HAUL, LONG_HAUL, INTERNATIONAL)
"""Every factor the methodology page lists; ``INTERNATIONAL`` is DESNZ's single average
for flights that do not touch the UK, shown for comparison: the estimate uses the
distance bands, since each leg's distance is known."""


def for_distance(km: float) -> Factor:
    """The factor of a leg's distance band."""
    return SHORT_HAUL if km <= HAUL_LIMIT_KM else LONG_HAUL
