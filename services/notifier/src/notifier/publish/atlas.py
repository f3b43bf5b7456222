"""The map of a year's destinations in the reader's words: the drawing and the list beside it."""

from dataclasses import dataclass
from urllib.parse import quote, urlencode

from markupsafe import Markup

from notifier.emissions.gazetteer import Place
from notifier.i18n.locale import Formats
from notifier.i18n.words import mark, words
from notifier.publish import worldmap
from notifier.publish.yearbook import Yearbook

WORLD = "/static/world.svg"
REGION_NAMES = {
    "world": mark.pgettext("map region", "World"),
    "africa": mark.pgettext("map region", "Africa"),
    "americas": mark.pgettext("map region", "Americas"),
    "asia": mark.pgettext("map region", "Asia"),
    "europe": mark.pgettext("map region", "Europe"),
    "oceania": mark.pgettext("map region", "Oceania"),
}


@dataclass(frozen=True)
class Row:
    """One destination in the list: where, how many trips, and the link to them."""

    country: str
    city: str
    trips: str
    href: str
    located: bool


@dataclass(frozen=True)
class Atlas:
    """A year's map, its list, and the regions it can show."""

    svg: Markup
    rows: list[Row]
    regions: list[tuple[str, str, bool]]
    """Each region's name, link and whether it is the one shown."""
    summary: str
    home: bool
    """Whether the city itself is on the map."""


def _href(lang: str, year: int, country: str) -> str:
    return f"/?country={quote(country)}&year={year}&lang={lang}#trips"


def atlas(book: Yearbook, year: int, home: Place | None, lang: str, region: str = "world") -> Atlas:
    """The destinations of the trips that depart in ``year``, drawn and listed."""
    fmt, said = Formats(lang), words(lang)
    stops = worldmap.stops(book.year(year).stops)
    counts = {n: fmt.number(n) for n in {s.trips for s in stops}}  # few distinct counts
    countries = {s.country for s in stops}
    summary = (
        said.ngettext(
            "{count} city in {countries}",
            "{count} cities in {countries}",
            len(stops),
            countries=said.ngettext("{count} country", "{count} countries", len(countries)),
        )
        if stops
        else said.gettext("No destination to show for {year}.", year=year)
    )
    labels = {
        f"{s.country}/{s.city}": said.ngettext(
            "{city} ({country}): {count} trip",
            "{city} ({country}): {count} trips",
            s.trips,
            count=counts[s.trips],
            city=s.city,
            country=fmt.country(s.country),
        )
        for s in stops
    }
    svg = worldmap.draw(
        stops,
        home,
        title=said.gettext("Where the trips that depart in {year} go", year=year),
        description=summary,
        base=WORLD,
        region=region,
        labels=labels,
    )
    rows = [
        Row(
            fmt.country(s.country),
            s.city,
            counts[s.trips],
            _href(lang, year, s.country),
            s.place is not None,
        )
        for s in stops
    ]
    regions = [
        (
            said.word(name),
            "/map?" + urlencode({"year": year, "region": key, "lang": lang}),
            key == region,
        )
        for key, name in REGION_NAMES.items()
    ]
    return Atlas(svg, rows, regions, summary, home is not None)
