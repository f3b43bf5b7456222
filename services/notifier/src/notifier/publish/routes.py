"""Public pages and feeds; server-rendered, no JavaScript needed."""

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from periplus.web import ProblemError

from notifier.deps import SessionDep
from notifier.publish import feeds, queries

router = APIRouter(tags=["public"])

templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent.parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def _render(name: str, **context: object) -> HTMLResponse:
    return HTMLResponse(templates.get_template(name).render(**context))


@router.get("/", response_class=HTMLResponse, summary="Trips, newest departure first")
def index(request: Request, session: SessionDep) -> HTMLResponse:
    settings = request.app.state.settings
    return _render("index.html", site=settings.site_name, trips=queries.trips(session))


@router.get(
    "/trips/{trip_id}", response_class=HTMLResponse, summary="One trip and its ledger entries"
)
def trip_page(trip_id: str, request: Request, session: SessionDep) -> HTMLResponse:
    view = queries.trip(session, trip_id)
    if view is None:
        raise ProblemError(404, "Not found", "No published trip has this id.")
    settings = request.app.state.settings
    return _render(
        "trip.html",
        site=settings.site_name,
        trip=view,
        timeline=queries.timeline(session, trip_id),
        ledger_url=settings.ledger_url,
    )


def _feed_inputs(session: SessionDep) -> tuple[list[feeds.LoggedEntry], dict[str, feeds.TripView]]:
    entries = list(queries.recent_entries(session))
    trips = {
        t.trip_id: t
        for t in (queries.trip(session, tid) for tid in {e.trip_id for e in entries})
        if t
    }
    return entries, trips


@router.get("/feed.json", summary="JSON Feed 1.1 of every ledger entry")
def feed_json(request: Request, session: SessionDep) -> Response:
    settings = request.app.state.settings
    entries, trips = _feed_inputs(session)
    body = feeds.json_feed(settings.public_url.rstrip("/"), settings.site_name, entries, trips)
    return JSONResponse(body, media_type="application/feed+json")


@router.get("/feed.atom", summary="Atom feed of every ledger entry")
def feed_atom(request: Request, session: SessionDep) -> Response:
    settings = request.app.state.settings
    entries, trips = _feed_inputs(session)
    body = feeds.atom_feed(settings.public_url.rstrip("/"), settings.site_name, entries, trips)
    return Response(body, media_type="application/atom+xml")
