"""``/``, the year at a glance with the trips filtered, and ``/checklist``, its rules."""

from collections.abc import Collection, Sequence
from datetime import date
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from notifier import state
from notifier.checklist.signals import evaluate
from notifier.deps import ReadingDep
from notifier.emissions import footprint
from notifier.i18n import vocabulary
from notifier.i18n.locale import Formats
from notifier.i18n.words import words
from notifier.publish import atlas, figure_cards, flights, glance, present, repository, yearbook
from notifier.publish.models import States, TripView
from notifier.publish.routes.common import Lang, reader_lang, render, today, year_share, yearbook_of
from notifier.settings import Settings
from periplus.errors import BadRequestError
from periplus.public import TripSnapshot

router = APIRouter(tags=["public"])

STATUSES = ("approved", "cancelled", "completed", "reported", "closed")
PER_PAGE = 100
Facet = Annotated[str | None, Query(max_length=120)]


@router.get("/", response_class=HTMLResponse, summary="The year at a glance, and trips filtered")
def index(
    request: Request,
    session: ReadingDep,
    lang: Lang = None,
    department: Facet = None,
    sdg: Annotated[int | None, Query(ge=1, le=17)] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    status: Annotated[str | None, Query(max_length=20)] = None,
    year: Annotated[int | None, Query(ge=1900, le=2999)] = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    figure: Annotated[
        str | None, Query(max_length=20, description="Only the trips behind one of the figures")
    ] = None,
) -> HTMLResponse:
    reader = reader_lang(request, lang)
    _check(status, figure)
    kept, day = state.of(request.app), today()
    settings = kept.settings
    figures = yearbook_of(request, session, day)
    shown_year = year or day.year
    among = glance.FIGURES[figure](figures.year(shown_year)) if figure else None
    chosen = {
        "department": department or None,
        "sdg": str(sdg) if sdg else None,
        "country": country.upper() if country else None,
        "year": str(shown_year) if year or figure else None,
    }
    facets = {k: v for k, v in chosen.items() if v}
    found, more = _found(session, facets, status, page, among)
    fmt = Formats(reader)
    shown_ids = [v.trip_id for v in found]
    entries = (
        repository.latest_entries(session, shown_ids, glance.ENTRIES[figure]) if figure else {}
    )
    return render(
        "index.html",
        request,
        reader,
        share=year_share(settings.public_url.rstrip("/"), shown_year, reader),
        rows=_rows(found, kept.states, entries, figures, day, settings, fmt),
        options=_options(session, reader, fmt),
        selected={**{k: v or "" for k, v in chosen.items()}, "status": status or ""},
        filtered=bool(facets or status or figure),
        pages=_pages(request, page, more),
        **_year_at_a_glance(figures, shown_year, settings, reader),
        figure=figure or "",
        behind=_behind(figure, among, shown_year, reader) if figure and among is not None else "",
    )


def _check(status: str | None, figure: str | None) -> None:
    """Refuse a status or a figure the page does not know."""
    if status and status not in STATUSES:
        raise BadRequestError(f"status is one of {', '.join(STATUSES)}.")
    if figure and figure not in glance.FIGURES:
        raise BadRequestError(f"figure is one of {', '.join(glance.FIGURES)}.")


def _found(
    session: Session,
    facets: dict[str, str],
    status: str | None,
    page: int,
    among: Collection[str] | None,
) -> tuple[list[TripView], bool]:
    """The trips of one page of the filtered list, and whether another page follows."""
    offset = (page - 1) * PER_PAGE
    found = list(
        repository.trips(session, facets, status or None, PER_PAGE + 1, offset, among=among)
    )
    return found[:PER_PAGE], len(found) > PER_PAGE


def _year_at_a_glance(
    figures: yearbook.Yearbook, shown_year: int, settings: Settings, reader: str
) -> dict[str, Any]:
    """The shown year's cards, charts, atlas and flights, and the links to the other years."""
    story = glance.story(figures, shown_year, reader, settings.checklist)
    return {
        "year": shown_year,
        "years": [(v, figure_cards.link(reader, v)) for v in sorted(figures.years, reverse=True)],
        "cards": story[0],
        "charts": story[1],
        "atlas": atlas.atlas(figures, shown_year, settings.home, reader),
        "flights_year": flights.year(figures.year(shown_year), settings.travel_co2e_budget, reader)
        if settings.home is not None
        else None,
    }


def _behind(figure: str, among: Collection[str], year: int, reader: str) -> str:
    """The heading of the trips behind a figure of the year at a glance."""
    return words(reader).gettext(
        "Trips behind the figure “{figure}” in {year}: {count}. Each links to the"
        " ledger entry the figure comes from.",
        figure=glance.figure_name(figure, reader),
        year=year,
        count=Formats(reader).number(len(among)),
    )


def _rows(
    found: Sequence[TripView],
    states: States,
    entries: dict[str, int],
    figures: yearbook.Yearbook,
    day: date,
    settings: Settings,
    fmt: Formats,
) -> list[dict[str, Any]]:
    """The listed trips, each with its place, dates, figure's entry and warnings counted."""
    rows = []
    for view in found:
        state = states.of(view)
        trip = state.trip
        signals = evaluate(
            state,
            figures.medians,
            day,
            settings.checklist,
            footprint.per_traveller_day(trip, settings.home),
        )
        rows.append(
            {
                "view": view,
                "where": present.places(trip, fmt),
                "dates": _dates(trip, view.departure_date, fmt),
                "entry": entries.get(view.trip_id),
                "warnings": sum(1 for signal in signals if signal.status == "warning"),
            }
        )
    return rows


def _options(session: Session, reader: str, fmt: Formats) -> dict[str, list[tuple[str, str]]]:
    """Each filter's choices, from the facets the published trips have."""
    return {
        "department": [(v, v) for v in repository.facet_values(session, "department")],
        "sdg": sorted(
            ((v, f"{v} · {fmt.goal(v)}") for v in repository.facet_values(session, "sdg")),
            key=lambda o: int(o[0]) if o[0].isdigit() else 99,
        ),
        "country": sorted(
            ((v, fmt.country(v)) for v in repository.facet_values(session, "country")),
            key=lambda o: o[1],
        ),
        "status": [(s, words(reader).word(vocabulary.STATUS[s])) for s in STATUSES],
        "year": [(v, v) for v in reversed(repository.facet_values(session, "year"))],
    }


def _pages(request: Request, page: int, more: bool) -> dict[str, str | None]:
    here = {k: v for k, v in request.query_params.items() if k != "page"}
    return {
        "newer": "?" + urlencode({**here, "page": page - 1}) if page > 1 else None,
        "older": "?" + urlencode({**here, "page": page + 1}) if more else None,
    }


def _dates(trip: TripSnapshot | None, departure: str, fmt: Formats) -> str:
    """From departure to return; of a trip whose record does not validate, the departure
    its entries state, if any."""
    if trip is None:
        return fmt.date(departure) if departure else ""
    return f"{fmt.date(trip.departure_date, 'medium')} – {fmt.date(trip.return_date, 'medium')}"


@router.get(
    "/checklist", response_class=HTMLResponse, summary="The checklist's rules and thresholds"
)
def checklist_rules(request: Request, lang: Lang = None) -> HTMLResponse:
    reader = reader_lang(request, lang)
    fmt = Formats(reader)
    rules = state.of(request.app).settings.checklist
    rows = []
    for name, value in rules.model_dump().items():
        if isinstance(value, bool):
            shown = words(reader).gettext("yes") if value else words(reader).gettext("no")
        elif name in ("min_agenda_share", "min_cofunded_share"):
            shown = fmt.percent(value)
        elif isinstance(value, float):
            shown = fmt.decimal1(value)
        else:
            shown = fmt.number(value)
        rows.append((words(reader).coded(vocabulary.RULE, name), shown, name))
    return render("rules.html", request, reader, rows=rows)
