"""Atom and JSON Feed 1.1 of every ledger entry, of a department, an SDG, a traveller or a trip.

A feed carries the trips' entries and, except a traveller's, the alerts raised about them.
"""

from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from notifier import state
from notifier.channels.alerts import service as alerts_service
from notifier.channels.models import Notice
from notifier.deps import ReadingDep
from notifier.i18n import vocabulary
from notifier.i18n.locale import Formats
from notifier.i18n.words import words
from notifier.publish import feeds, repository
from notifier.publish.routes.common import FEED_KINDS, Lang, language_headers, reader_lang
from periplus.errors import BadRequestError, NotFoundError

router = APIRouter(tags=["public"])


def _feed(
    request: Request,
    session: ReadingDep,
    lang: str | None,
    channel: feeds.Channel,
    kind: str | None,
    value: str | None,
) -> tuple[str, str, feeds.Channel, list[feeds.Item], str]:
    settings = state.of(request.app).settings
    reader = reader_lang(request, lang)
    entries = list(repository.recent_entries(session, kind, value))
    trips = {}
    for trip_id in {e.trip_id for e in entries}:
        view = repository.trip(session, trip_id)
        if view is not None:
            trips[trip_id] = view
    base = settings.public_url.rstrip("/")
    found = feeds.newest_first(
        feeds.items(base, entries, trips, reader),
        feeds.alert_items(base, _alerts(session, kind, value), reader),
    )
    return base, settings.site_name, channel, found, reader


def _alerts(session: ReadingDep, kind: str | None, value: str | None) -> list[Notice]:
    """The recent alerts that belong in this feed (travellers' feeds carry none)."""
    alerts = alerts_service.recent(session)
    if kind is None or value is None:
        return list(alerts)
    if kind == "trip":
        return [a for a in alerts if a.trip_id == value]
    if kind == "department":
        return [a for a in alerts if value in a.departments]
    if kind == "sdg" and value.isdigit():
        return [a for a in alerts if int(value) in a.sdg_goals]
    return []


def _channel(kind: str | None, value: str | None, lang: str | None, request: Request) -> Any:
    reader = reader_lang(request, lang)
    if kind is None or value is None:
        return feeds.Channel(words(reader).gettext("Foreign trips"), "/feed")
    label = words(reader).coded(vocabulary.FILTER, kind)
    value_label = f"{value} · {Formats(reader).goal(value)}" if kind == "sdg" else value
    # The value as a path segment: a department's name may hold spaces, "#", "?" or "/"
    # (the route takes the rest of the path, slashes and all, as the value).
    segment = quote(value, safe="")
    path = f"/trips/{segment}/feed" if kind == "trip" else f"/feeds/{kind}/{segment}"
    return feeds.Channel(f"{words(reader).gettext('Foreign trips')} — {label}: {value_label}", path)


def _json(
    request: Request, session: ReadingDep, lang: str | None, kind: Any, value: Any
) -> Response:
    args = _feed(request, session, lang, _channel(kind, value, lang, request), kind, value)
    return JSONResponse(
        feeds.json_feed(*args),
        media_type="application/feed+json",
        headers=language_headers(args[4]),
    )


def _atom(
    request: Request, session: ReadingDep, lang: str | None, kind: Any, value: Any
) -> Response:
    args = _feed(request, session, lang, _channel(kind, value, lang, request), kind, value)
    return Response(
        feeds.atom_feed(*args), media_type="application/atom+xml", headers=language_headers(args[4])
    )


@router.get("/feed.json", summary="JSON Feed 1.1 of every ledger entry")
def feed_json(request: Request, session: ReadingDep, lang: Lang = None) -> Response:
    return _json(request, session, lang, None, None)


@router.get("/feed.atom", summary="Atom feed of every ledger entry")
def feed_atom(request: Request, session: ReadingDep, lang: Lang = None) -> Response:
    return _atom(request, session, lang, None, None)


def _check_kind(kind: str, value: str) -> None:
    if kind not in FEED_KINDS:
        raise NotFoundError(f"Feeds exist per {', '.join(FEED_KINDS)} and trip.")
    if len(value) > 120:
        raise BadRequestError("The feed's value is at most 120 characters.")


@router.get(
    "/feeds/{kind}/{value:path}.json", summary="JSON Feed of one department, SDG or traveller"
)
def facet_json(
    kind: str, value: str, request: Request, session: ReadingDep, lang: Lang = None
) -> Response:
    _check_kind(kind, value)
    return _json(request, session, lang, kind, value)


@router.get(
    "/feeds/{kind}/{value:path}.atom", summary="Atom feed of one department, SDG or traveller"
)
def facet_atom(
    kind: str, value: str, request: Request, session: ReadingDep, lang: Lang = None
) -> Response:
    _check_kind(kind, value)
    return _atom(request, session, lang, kind, value)


@router.get("/trips/{trip_id}/feed.json", summary="JSON Feed of one trip")
def trip_json(trip_id: str, request: Request, session: ReadingDep, lang: Lang = None) -> Response:
    if repository.trip(session, trip_id[:64]) is None:
        raise NotFoundError("No published trip has this id.")
    return _json(request, session, lang, "trip", trip_id)


@router.get("/trips/{trip_id}/feed.atom", summary="Atom feed of one trip")
def trip_atom(trip_id: str, request: Request, session: ReadingDep, lang: Lang = None) -> Response:
    if repository.trip(session, trip_id[:64]) is None:
        raise NotFoundError("No published trip has this id.")
    return _atom(request, session, lang, "trip", trip_id)
