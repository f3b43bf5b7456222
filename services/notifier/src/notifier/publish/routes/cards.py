"""Share cards (1200x630 PNG) of a trip and of a year, named by every page's Open Graph meta."""

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import Response

from notifier import state
from notifier.checklist.signals import evaluate
from notifier.deps import ReadingDep
from notifier.emissions import footprint
from notifier.i18n.words import words
from notifier.publish import glance, present, repository, sharecards
from notifier.publish.routes.common import Lang, reader_lang, today, yearbook_of
from periplus.errors import NotFoundError

router = APIRouter(tags=["public"])

PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "A 1200x630 PNG"}
}


def _png(request: Request, png: Callable[[], bytes], tag: str) -> Response:
    headers = {"ETag": tag, "Cache-Control": "public, max-age=300", "Vary": "Accept-Language"}
    if _unchanged(request, tag):
        return Response(status_code=304, headers=headers)
    return Response(png(), media_type="image/png", headers=headers)


def _unchanged(request: Request, tag: str) -> bool:
    """Whether If-None-Match lists ``tag``, as the page cache and the downloads read it: one
    of its entity tags, not any text that holds it."""
    return tag in {t.strip() for t in request.headers.get("if-none-match", "").split(",")}


def _version_tag(session: ReadingDep, *parts: object) -> str:
    """An ETag that changes with the read model: a card may draw on every trip (a trip's
    checklist warnings compare it with the city's medians), not only on its own."""
    return '"' + "-".join(map(str, (*repository.version(session), *parts))) + '"'


@router.get(
    "/trips/{trip_id}/card.png",
    response_class=Response,
    summary="A share card of one trip, for social media",
    responses={**PNG, 404: {"description": "No published trip has this id"}},
)
def trip_card(trip_id: str, request: Request, session: ReadingDep, lang: Lang = None) -> Response:
    view = repository.trip(session, trip_id[:64])
    if view is None:
        raise NotFoundError("No published trip has this id.")
    reader, settings, day = reader_lang(request, lang), state.of(request.app).settings, today()
    medians = yearbook_of(request, session, day).medians
    folded = view.state
    trip = folded.trip
    co2e = footprint.per_traveller_day(trip, settings.home)
    warned = sum(
        signal.status == "warning"
        for signal in evaluate(folded, medians, day, settings.checklist, co2e)
    )
    address = f"{settings.public_url.rstrip('/')}/trips/{view.trip_id}"
    return _png(
        request,
        lambda: sharecards.trip(
            settings.site_name,
            trip.title if trip is not None else view.title,
            present.summary(folded, reader, day)[:3],
            words(reader).gettext("Checklist warnings: {count}", count=warned) if warned else None,
            address.removeprefix("https://").removeprefix("http://"),
        ),
        _version_tag(session, view.trip_id, reader, day.isoformat()),
    )


@router.get(
    "/years/{year}/card.png",
    response_class=Response,
    summary="A share card of one year's figures, for social media",
    responses=PNG,
)
def year_card(
    year: Annotated[int, FastAPIPath(ge=1990, le=2100)],
    request: Request,
    session: ReadingDep,
    lang: Lang = None,
) -> Response:
    reader, settings, day = reader_lang(request, lang), state.of(request.app).settings, today()
    figures = [
        sharecards.Figure(card.value, card.label)
        for card in glance.story(
            yearbook_of(request, session, day), year, reader, settings.checklist
        )[0]
    ]
    address = f"{settings.public_url.rstrip('/')}/?year={year}"
    return _png(
        request,
        lambda: sharecards.year(
            settings.site_name,
            words(reader).gettext("{year} at a glance", year=year),
            figures,
            address.removeprefix("https://").removeprefix("http://"),
        ),
        _version_tag(session, year, reader, day.isoformat()),
    )
