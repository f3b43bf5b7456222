"""``/map``, where the trips go, and ``/emissions``, their estimated flight emissions and how
they are estimated; both per year, like the year at a glance."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from notifier import state
from notifier.deps import ReadingDep
from notifier.emissions import factors
from notifier.i18n.locale import Formats
from notifier.publish import atlas, flights, repository, worldmap
from notifier.publish.routes.common import Lang, reader_lang, render, yearbook_of

router = APIRouter(tags=["public"])

Year = Annotated[int | None, Query(ge=1900, le=2999)]
Region = Literal["world", "africa", "americas", "asia", "europe", "oceania"]


@router.get("/map", response_class=HTMLResponse, summary="Where the trips go: a map and its list")
def map_page(
    request: Request,
    session: ReadingDep,
    lang: Lang = None,
    year: Year = None,
    region: Region = "world",
) -> HTMLResponse:
    reader, today = reader_lang(request, lang), datetime.now(UTC).date()
    book = yearbook_of(request, session, today)
    shown = year or today.year
    settings = state.of(request.app).settings
    return render(
        "map.html",
        request,
        reader,
        year=shown,
        years=[(v, f"/map?year={v}&region={region}&lang={reader}") for v in sorted(book.years)],
        atlas=atlas.atlas(book, shown, settings.home, reader, region),
    )


@router.get(
    "/emissions",
    response_class=HTMLResponse,
    summary="Estimated flight emissions of a year's trips, and the method behind them",
)
def emissions_page(
    request: Request, session: ReadingDep, lang: Lang = None, year: Year = None
) -> HTMLResponse:
    reader, today = reader_lang(request, lang), datetime.now(UTC).date()
    settings, fmt = state.of(request.app).settings, Formats(reader)
    book = yearbook_of(request, session, today)
    shown = year or today.year
    found = book.year(shown)
    home = settings.home
    heaviest = sorted(found.estimated, key=lambda t: -found.estimated[t])[: flights.LARGEST]
    views = repository.trips(session, among=heaviest, limit=flights.LARGEST) if home else []
    return render(
        "emissions.html",
        request,
        reader,
        year=shown,
        years=[(v, f"/emissions?year={v}&lang={reader}") for v in sorted(book.years)],
        home=settings.city_location,
        flights=flights.year(found, settings.travel_co2e_budget, reader) if home else None,
        largest=flights.largest(views, home, reader) if home else [],
        trips_href=f"/?year={shown}&lang={reader}#trips",
        factors=flights.factor_rows(reader),
        publication=factors.PUBLICATION,
        factor_year=factors.YEAR,
        limit_text=fmt.number(factors.HAUL_LIMIT_KM),
        ratio_text=fmt.number(settings.checklist.max_emissions_ratio),
    )


@router.get("/static/world.svg", include_in_schema=False)
def world_outlines() -> Response:
    """The land under every map; the same bytes for as long as the package is the same."""
    return Response(
        worldmap.world_svg(),
        media_type="image/svg+xml",
        headers={"Cache-Control": "public, max-age=86400"},
    )
