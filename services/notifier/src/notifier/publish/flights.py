"""A trip's and a year's estimated flight emissions, in the reader's words and figures."""

from collections.abc import Sequence
from dataclasses import dataclass

from babel.numbers import format_decimal

from notifier.emissions import factors
from notifier.emissions.footprint import Footprint, of_trip
from notifier.emissions.gazetteer import Place
from notifier.i18n.locale import Formats
from notifier.i18n.words import mark, words
from notifier.publish.models import TripView
from notifier.publish.present import places
from notifier.publish.yearbook import Year

BAND = {
    "short": mark.pgettext("flight band", "short haul"),
    "long": mark.pgettext("flight band", "long haul"),
    "international": mark.pgettext("flight band", "any distance, flights not touching the UK"),
}


@dataclass(frozen=True)
class Leg:
    origin: str
    destination: str
    km: str
    band: str
    factor: str
    kg: str


@dataclass(frozen=True)
class TripFlights:
    """What the trip page shows: each leg, the totals, and what the estimate leaves out."""

    legs: list[Leg]
    per_traveller: str
    total: str
    per_day: str
    sentence: str
    notes: list[str]


@dataclass(frozen=True)
class YearFlights:
    """A year's estimate: the total, and the climate plan's budget if the city set one."""

    total: str
    sentence: str
    budget: str | None


def kg(value: float, fmt: Formats) -> str:
    return fmt.number(round(value))


def tonnes(value_kg: float, fmt: Formats) -> str:
    return fmt.decimal1(value_kg / 1000)


def factor(value: float, fmt: Formats) -> str:
    """A factor with the five decimals DESNZ publishes, so it can be matched to the source."""
    return str(format_decimal(value, format="0.00000", locale=fmt.locale))


def _place(place: Place, fmt: Formats, home: bool, lang: str) -> str:
    if home and not place.country:
        return words(lang).gettext("the city")
    return f"{place.city} ({fmt.country(place.country)})"


def trip(flown: Footprint, home: Place, lang: str) -> TripFlights:
    """A trip's legs and totals, in kg CO₂e."""
    fmt, said = Formats(lang), words(lang)
    legs = [
        Leg(
            _place(f.origin, fmt, f.origin == home, lang),
            _place(f.destination, fmt, f.destination == home, lang),
            fmt.number(round(f.km)),
            said.coded(BAND, f.factor.band),
            factor(f.factor.kg_per_passenger_km, fmt),
            kg(f.kg, fmt),
        )
        for f in flown.flights
    ]
    notes = [
        said.gettext(
            "{city} is not in the gazetteer: its leg is measured to the capital of {country}.",
            city=p.city,
            country=fmt.country(p.country),
        )
        for p in flown.approximate
    ]
    notes += [
        said.gettext("{place} could not be located and is left out of the legs.", place=place)
        for place in flown.unlocated
    ]
    sentence = said.ngettext(
        "About {total} kg CO₂e for the flights of {count} traveller: {per_traveller} kg each, "
        "{per_day} kg per traveller-day.",
        "About {total} kg CO₂e for the flights of {count} travellers: {per_traveller} kg each, "
        "{per_day} kg per traveller-day.",
        flown.travellers,
        total=kg(flown.total_kg, fmt),
        per_traveller=kg(flown.per_traveller_kg, fmt),
        per_day=kg(flown.per_traveller_day_kg, fmt),
    )
    return TripFlights(
        legs,
        kg(flown.per_traveller_kg, fmt),
        kg(flown.total_kg, fmt),
        kg(flown.per_traveller_day_kg, fmt),
        sentence,
        notes,
    )


def year(found: Year, budget_tonnes: float | None, lang: str) -> YearFlights:
    """A year's estimated total and, where the climate plan sets one, its share of the budget."""
    fmt, said = Formats(lang), words(lang)
    total = tonnes(found.co2e_kg, fmt)
    if not found.estimated:
        return YearFlights(
            total,
            said.gettext(
                "No trip departs in {year}: there are no flights to estimate.", year=found.year
            ),
            None,
        )
    sentence = said.ngettext(
        "Flights of {count} trip that departs in {year}: about {total} t CO₂e.",
        "Flights of the {count} trips that depart in {year}: about {total} t CO₂e.",
        len(found.estimated),
        year=found.year,
        total=total,
    )
    budget = None
    if budget_tonnes:
        budget = said.gettext(
            "That is {share} of the {budget} t CO₂e a year that the city's climate plan "
            "allows for officials' travel.",
            share=fmt.percent(found.co2e_kg / 1000 / budget_tonnes),
            budget=fmt.decimal1(budget_tonnes),
        )
    return YearFlights(total, sentence, budget)


@dataclass(frozen=True)
class TripRow:
    """One trip among a year's largest estimates."""

    title: str
    href: str
    where: str
    travellers: str
    total: str
    per_day: str


LARGEST = 10
"""How many of a year's trips the emissions page lists, the largest estimates first."""


def largest(views: Sequence[TripView], home: Place, lang: str) -> list[TripRow]:
    """The trips with the largest estimates, with their totals and figures per traveller-day."""
    fmt, rows = Formats(lang), []
    for view in views:
        trip = view.state.trip
        flown = of_trip(trip, home)
        if trip is None or flown is None:
            continue
        rows.append(
            (
                flown.total_kg,
                TripRow(
                    trip.title or view.title,
                    f"/trips/{view.trip_id}?lang={lang}",
                    places(trip, fmt),
                    fmt.number(flown.travellers),
                    tonnes(flown.total_kg, fmt),
                    kg(flown.per_traveller_day_kg, fmt),
                ),
            )
        )
    return [row for _, row in sorted(rows, key=lambda r: -r[0])[:LARGEST]]


def factor_rows(lang: str) -> list[dict[str, str]]:
    """The published factors, as the methodology page lists them for an auditor."""
    fmt, said = Formats(lang), words(lang)
    return [
        {
            "id": f.id,
            "row": f.row,
            "band": said.coded(BAND, f.band),
            "value": factor(f.kg_per_passenger_km, fmt),
            "used": said.gettext("yes") if f.band in ("short", "long") else said.gettext("no"),
        }
        for f in factors.TABLE
    ]
