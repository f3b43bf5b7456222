"""Public pages and feeds; server-rendered, readable without JavaScript."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi import Path as FastAPIPath
from fastapi.responses import HTMLResponse, JSONResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from notifier.channels.alerts import service as alerts_service
from notifier.channels.models import Notice
from notifier.checklist.signals import evaluate
from notifier.deps import SessionDep
from notifier.emissions import footprint
from notifier.i18n import vocabulary
from notifier.i18n.locale import Formats, negotiate
from notifier.i18n.words import words
from notifier.ingest.service import WITHHELD
from notifier.models import LoggedEntry, TripView
from notifier.opendata.catalogue import LICENSES
from notifier.publish import (
    atlas,
    facts,
    feeds,
    figure_cards,
    flights,
    glance,
    hrefs,
    keys,
    present,
    queries,
    sharecards,
    verify,
    yearbook,
)
from periplus.errors import BadRequestError, NotFoundError
from periplus.events import EVENT_TYPES
from periplus.sdg import LANGUAGES

router = APIRouter(tags=["public"])
router.include_router(verify.router)

TEMPLATES = Path(__file__).parent.parent / "templates"
templates = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["web_href"] = hrefs.web_href
STATUSES = ("approved", "cancelled", "completed", "reported", "closed")
FEED_KINDS = ("department", "sdg", "traveller")
PER_PAGE = 100
Lang = Annotated[str | None, Query(max_length=35, description="en, es, fr or pt")]
Facet = Annotated[str | None, Query(max_length=120)]
VERDICT_WORDS = (
    "checking",
    "ok",
    "fail",
    "warn",
    "witnesses",
    "no_witness",
    "source",
    "unsigned",
    "withheld",
    "matches",
    "differs",
    "missing",
    "pinned_set",
    "own_set",
    "own_saved",
    "own_forgotten",
    "own_in_use",
    "pinned_in_use",
)
PLACEHOLDERS = ("index", "size", "origin", "reason", "witnesses", "source", "key_id")
VERDICT_PLACEHOLDERS = {p: f"{{{p}}}" for p in (*PLACEHOLDERS, "what", "shown", "signed")}
FOLLOWUP_STATUSES = ("open", "in_progress", "done", "dropped")
_BOOK_LOCK = threading.Lock()


@dataclass(frozen=True)
class Share:
    """What a page shows when it is shared: Open Graph and Twitter card meta."""

    title: str
    description: str
    image: str  # an absolute URL, as Open Graph requires


def _lang(request: Request, lang: str | None) -> str:
    return negotiate(lang, request.headers.get("accept-language"))


def _render(
    name: str, request: Request, lang: str, share: Share | None = None, **context: Any
) -> HTMLResponse:
    settings, said = request.app.state.settings, words(lang)
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    switch = {code: "?" + urlencode({**query, "lang": code}) for code in LANGUAGES}
    base = settings.public_url.rstrip("/")
    if share is None:  # a page of its own: the city's year is what a share shows
        year = _today().year
        share = Share(
            said.gettext("{year} at a glance", year=year),
            said.gettext(
                "Every item here is an entry of the city's append-only ledger and can be verified."
            ),
            f"{base}/years/{year}/card.png?lang={lang}",
        )
    path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    body = templates.get_template(name).render(
        site=settings.site_name,
        lang=lang,
        tag=said.tag,
        tags={code: words(code).tag for code in LANGUAGES},
        names={code: words(code).name for code in LANGUAGES},
        _=said.gettext,
        gettext=said.gettext,
        pgettext=said.pgettext,
        ngettext=said.ngettext,
        npgettext=said.npgettext,
        word=said.word,
        coded=said.coded,
        vocabulary=vocabulary,
        switch=switch,
        data_license=LICENSES[settings.data_license][1],
        share=share,
        share_url=f"{base}{path}",
        this_month=_today().strftime("%Y-%m"),
        **context,
    )
    headers = {"Content-Language": said.tag, "Vary": "Accept-Language"}
    return HTMLResponse(body, headers=headers)


def _today() -> date:
    return datetime.now(UTC).date()


@router.get("/", response_class=HTMLResponse, summary="The year at a glance, and trips filtered")
def index(
    request: Request,
    session: SessionDep,
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
    reader = _lang(request, lang)
    if status and status not in STATUSES:
        raise BadRequestError(f"status is one of {', '.join(STATUSES)}.")
    if figure and figure not in glance.FIGURES:
        raise BadRequestError(f"figure is one of {', '.join(glance.FIGURES)}.")
    settings, today = request.app.state.settings, _today()
    book = _yearbook(request, session, today)
    shown_year = year or today.year
    among = glance.FIGURES[figure](book.year(shown_year)) if figure else None
    chosen = {
        "department": department or None,
        "sdg": str(sdg) if sdg else None,
        "country": country.upper() if country else None,
        "year": str(shown_year) if year or figure else None,
    }
    facets = {k: v for k, v in chosen.items() if v}
    found = list(
        queries.trips(
            session, facets, status or None, PER_PAGE + 1, (page - 1) * PER_PAGE, among=among
        )
    )
    more, found = len(found) > PER_PAGE, found[:PER_PAGE]
    here = {k: v for k, v in request.query_params.items() if k != "page"}
    pages = {
        "newer": "?" + urlencode({**here, "page": page - 1}) if page > 1 else None,
        "older": "?" + urlencode({**here, "page": page + 1}) if more else None,
    }
    fmt = Formats(reader)
    entries = (
        queries.latest_entries(session, [v.trip_id for v in found], glance.ENTRIES[figure])
        if figure
        else {}
    )
    rows = [
        {
            "view": view,
            "trip": view.data.get("trip") or {},
            "where": present.places(view.data.get("trip") or {}, fmt),
            "dates": _dates(view, fmt),
            "entry": entries.get(view.trip_id),
            "warnings": sum(
                1
                for signal in evaluate(
                    view.data,
                    book.medians,
                    today,
                    settings.checklist,
                    footprint.per_traveller_day(view.data.get("trip") or {}, settings.home),
                )
                if signal.status == "warning"
            ),
        }
        for view in found
    ]
    options = {
        "department": [(v, v) for v in queries.facet_values(session, "department")],
        "sdg": sorted(
            ((v, f"{v} · {fmt.goal(v)}") for v in queries.facet_values(session, "sdg")),
            key=lambda o: int(o[0]) if o[0].isdigit() else 99,
        ),
        "country": sorted(
            ((v, fmt.country(v)) for v in queries.facet_values(session, "country")),
            key=lambda o: o[1],
        ),
        "status": [(s, words(reader).word(vocabulary.STATUS[s])) for s in STATUSES],
        "year": [(v, v) for v in reversed(queries.facet_values(session, "year"))],
    }
    selected = {**{k: v or "" for k, v in chosen.items()}, "status": status or ""}
    story = glance.story(book, shown_year, reader, settings.checklist)
    base = settings.public_url.rstrip("/")
    return _render(
        "index.html",
        request,
        reader,
        share=Share(
            words(reader).gettext("{year} at a glance", year=shown_year),
            words(reader).gettext(
                "Every item here is an entry of the city's append-only ledger and can be verified."
            ),
            f"{base}/years/{shown_year}/card.png?lang={reader}",
        ),
        rows=rows,
        options=options,
        selected=selected,
        filtered=bool(facets or status or figure),
        pages=pages,
        year=shown_year,
        years=[(v, figure_cards.link(reader, v)) for v in sorted(book.years, reverse=True)],
        cards=story[0],
        charts=story[1],
        atlas=atlas.atlas(book, shown_year, settings.home, reader),
        flights_year=flights.year(book.year(shown_year), settings.travel_co2e_budget, reader)
        if settings.home is not None
        else None,
        figure=figure or "",
        behind=words(reader).gettext(
            "Trips behind the figure “{figure}” in {year}: {count}. Each links to the"
            " ledger entry the figure comes from.",
            figure=glance.figure_name(figure, reader),
            year=shown_year,
            count=fmt.number(len(among)),
        )
        if figure and among is not None
        else "",
    )


def _yearbook(request: Request, session: SessionDep, today: date) -> yearbook.Yearbook:
    """The figures of every year, counted again only when the read model or the day changes."""
    state = request.app.state
    with _BOOK_LOCK:
        cache = getattr(state, "yearbook", None)
        if cache is None:
            cache = state.yearbook = yearbook.Cache()
    settings = state.settings
    found: yearbook.Yearbook = cache.get(session, today, settings.checklist, settings.home)
    return found


def _dates(view: TripView, fmt: Formats) -> str:
    trip = view.data.get("trip") or {}
    start, end = trip.get("departure_date"), trip.get("return_date")
    if not start:
        return ""
    return f"{fmt.date(start, 'medium')} – {fmt.date(end, 'medium')}" if end else fmt.date(start)


@router.get(
    "/trips/{trip_id}", response_class=HTMLResponse, summary="One trip and its ledger entries"
)
def trip_page(
    trip_id: str,
    request: Request,
    session: SessionDep,
    lang: Lang = None,
) -> HTMLResponse:
    view = queries.trip(session, trip_id[:64])
    if view is None:
        raise NotFoundError("No published trip has this id.")
    reader = _lang(request, lang)
    settings, today = request.app.state.settings, _today()
    state, trip = view.data, view.data.get("trip") or {}
    fmt = Formats(reader)
    medians = _yearbook(request, session, today).medians
    completed = state.get("completed") or {}
    report = state.get("report") if isinstance(state.get("report"), dict) else None
    outcome_text = {o.get("id"): o.get("text") for o in trip.get("expected_outcomes") or []}
    entries = list(queries.timeline(session, trip_id))
    origin = facts.sources(entries)
    snapshot = {"data": {"trip": trip}}
    summary = present.summary(state, reader, today)
    home = settings.home
    flown = footprint.of_trip(trip, home) if home is not None else None
    return _render(
        "trip.html",
        request,
        reader,
        share=Share(
            str(trip.get("title") or view.title),
            " ".join(summary[:2]),
            f"{settings.public_url.rstrip('/')}/trips/{trip_id}/card.png?lang={reader}",
        ),
        view=view,
        trip=trip,
        state=state,
        summary=summary,
        checklist=present.checklist(
            state,
            medians,
            today,
            settings.checklist,
            reader,
            flown.per_traveller_day_kg if flown is not None else None,
        ),
        agenda=present.agenda(trip, reader),
        budget=present.costs(trip.get("budget"), reader),
        budget_total=fmt.money(trip.get("budget_total")),
        city_share=fmt.money(trip.get("city_share")),
        reporting=str((trip.get("budget_total") or {}).get("currency", "")),
        actual=present.costs(completed.get("actual_costs"), reader),
        actual_total=fmt.money(completed.get("actual_total")),
        actual_city=fmt.money(completed.get("city_share")),
        in_kind=[
            {
                "giver": k.get("giver", ""),
                "description": k.get("description", ""),
                "value": fmt.money(k.get("estimated_value")),
            }
            for k in trip.get("in_kind") or []
            if isinstance(k, dict)
        ],
        results=[
            {
                "outcome": outcome_text.get(r.get("outcome_id"), r.get("outcome_id")),
                "achieved": words(reader).coded(vocabulary.ACHIEVED, r.get("achieved")),
                "result": r.get("result", ""),
            }
            for r in (report or {}).get("results") or []
        ],
        documents=(report or {}).get("documents") or [],
        followups=[
            {
                "commitment": f.get("commitment", ""),
                "owner": f.get("owner_department", ""),
                "due": fmt.date(f.get("due_date"), "medium"),
                "status": words(reader).coded(
                    vocabulary.FOLLOWUP,
                    "overdue"
                    if f.get("status") in ("open", "in_progress")
                    and str(f.get("due_date")) < today.isoformat()
                    else f.get("status"),
                ),
                "evidence": f.get("evidence") or "",
            }
            for f in state.get("followups") or []
            if isinstance(f, dict)
        ],
        shown={
            "title": facts.fact("title", snapshot, reader, origin.get("trip")),
            "budget_total": facts.fact("budget_total", snapshot, reader, origin.get("trip")),
            "actual_total": facts.actual_total(entries, completed, reader, origin.get("completed")),
        },
        timeline=[_timeline_row(e, reader) for e in entries],
        status_label=words(reader).coded(vocabulary.STATUS, view.status),
        feed_kinds=FEED_KINDS,
        keys=keys.page_keys(request.app.state.trust),
        flights=flights.trip(flown, home, reader) if flown and home else None,
        words=_verify_words(reader),
    )


def _timeline_row(entry: LoggedEntry, lang: str) -> dict[str, Any]:
    row: dict[str, Any] = {
        "index": entry.index,
        "type": entry.type,
        "headline": words(lang).coded(vocabulary.EVENT, entry.type),
        "when": present.when(entry.occurred_at, lang),
        "occurred_at": entry.occurred_at,
    }
    held = entry.event.get(WITHHELD)
    if held is not None:
        # A withheld entry's bytes are gone: only the ledger's reason is left to show.
        reason = held.get("reason") if isinstance(held, dict) else None
        return {**row, "reason": str(reason or ""), "facts": []}
    return {
        **row,
        "kind": facts.fact("type", entry.event, lang),
        "trip": facts.fact("trip_id", entry.event, lang),
        "time": facts.fact("occurred_at", entry.event, lang),
        "facts": facts.of_entry(entry, lang),
    }


def _verify_words(lang: str) -> dict[str, Any]:
    """The verdicts' words in the reader's language, with placeholders left for the script."""
    said = words(lang)
    found: dict[str, Any] = {
        key: said.word(vocabulary.VERIFY[key], **VERDICT_PLACEHOLDERS) for key in VERDICT_WORDS
    }
    found["types"] = {
        t: said.word(vocabulary.EVENT[t]) for t in EVENT_TYPES if t in vocabulary.EVENT
    }
    found["followup"] = {s: said.word(vocabulary.FOLLOWUP[s]) for s in FOLLOWUP_STATUSES}
    found["reasons"] = {key: said.word(message) for key, message in vocabulary.REASONS.items()}
    found["quotes"] = [said.word(mark) for mark in vocabulary.QUOTES]
    return found


@router.get(
    "/checklist", response_class=HTMLResponse, summary="The checklist's rules and thresholds"
)
def checklist_rules(request: Request, lang: Lang = None) -> HTMLResponse:
    reader = _lang(request, lang)
    fmt = Formats(reader)
    rules = request.app.state.settings.checklist
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
    return _render("rules.html", request, reader, rows=rows)


PNG: dict[int | str, dict[str, Any]] = {
    200: {"content": {"image/png": {}}, "description": "A 1200x630 PNG"}
}


def _png(request: Request, png: Callable[[], bytes], tag: str) -> Response:
    headers = {"ETag": tag, "Cache-Control": "public, max-age=300", "Vary": "Accept-Language"}
    if tag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    return Response(png(), media_type="image/png", headers=headers)


@router.get(
    "/trips/{trip_id}/card.png",
    response_class=Response,
    summary="A share card of one trip, for social media",
    responses={**PNG, 404: {"description": "No published trip has this id"}},
)
def trip_card(trip_id: str, request: Request, session: SessionDep, lang: Lang = None) -> Response:
    view = queries.trip(session, trip_id[:64])
    if view is None:
        raise NotFoundError("No published trip has this id.")
    reader, settings, today = _lang(request, lang), request.app.state.settings, _today()
    medians = _yearbook(request, session, today).medians
    trip = view.data.get("trip") or {}
    co2e = footprint.per_traveller_day(trip, settings.home)
    warned = sum(
        signal.status == "warning"
        for signal in evaluate(view.data, medians, today, settings.checklist, co2e)
    )
    address = f"{settings.public_url.rstrip('/')}/trips/{view.trip_id}"
    return _png(
        request,
        lambda: sharecards.trip(
            settings.site_name,
            str(trip.get("title") or view.title),
            present.summary(view.data, reader, today)[:3],
            words(reader).gettext("Checklist warnings: {count}", count=warned) if warned else None,
            address.removeprefix("https://").removeprefix("http://"),
        ),
        f'"{view.last_index}-{reader}-{today.isoformat()}"',
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
    session: SessionDep,
    lang: Lang = None,
) -> Response:
    reader, settings, today = _lang(request, lang), request.app.state.settings, _today()
    book = _yearbook(request, session, today)
    figures = [
        sharecards.Figure(card.value, card.label)
        for card in glance.story(book, year, reader, settings.checklist)[0]
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
        f'"{"-".join(map(str, queries.version(session)))}-{year}-{reader}-{today.isoformat()}"',
    )


@router.get("/static/site.css", include_in_schema=False)
def site_style() -> Response:
    body = (TEMPLATES / "site.css").read_bytes()
    return Response(body, media_type="text/css", headers={"Cache-Control": "max-age=300"})


@router.get("/static/verify.js", include_in_schema=False)
def verify_script() -> Response:
    body = (TEMPLATES / "verify.js").read_bytes()
    return Response(body, media_type="text/javascript", headers={"Cache-Control": "max-age=300"})


def _feed(
    request: Request,
    session: SessionDep,
    lang: str | None,
    channel: feeds.Channel,
    kind: str | None,
    value: str | None,
) -> tuple[str, str, feeds.Channel, list[feeds.Item], str]:
    settings = request.app.state.settings
    reader = _lang(request, lang)
    entries = list(queries.recent_entries(session, kind, value))
    trips = {}
    for trip_id in {e.trip_id for e in entries}:
        view = queries.trip(session, trip_id)
        if view is not None:
            trips[trip_id] = view
    base = settings.public_url.rstrip("/")
    found = feeds.newest_first(
        feeds.items(base, entries, trips, reader),
        feeds.alert_items(base, _alerts(session, kind, value), reader),
    )
    return base, settings.site_name, channel, found, reader


def _alerts(session: SessionDep, kind: str | None, value: str | None) -> list[Notice]:
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
    reader = _lang(request, lang)
    if kind is None or value is None:
        return feeds.Channel(words(reader).gettext("Foreign trips"), "/feed")
    label = words(reader).coded(vocabulary.FILTER, kind)
    value_label = f"{value} · {Formats(reader).goal(value)}" if kind == "sdg" else value
    path = f"/trips/{value}/feed" if kind == "trip" else f"/feeds/{kind}/{value}"
    return feeds.Channel(f"{words(reader).gettext('Foreign trips')} — {label}: {value_label}", path)


def _json(
    request: Request, session: SessionDep, lang: str | None, kind: Any, value: Any
) -> Response:
    args = _feed(request, session, lang, _channel(kind, value, lang, request), kind, value)
    return JSONResponse(feeds.json_feed(*args), media_type="application/feed+json")


def _atom(
    request: Request, session: SessionDep, lang: str | None, kind: Any, value: Any
) -> Response:
    args = _feed(request, session, lang, _channel(kind, value, lang, request), kind, value)
    return Response(feeds.atom_feed(*args), media_type="application/atom+xml")


@router.get("/feed.json", summary="JSON Feed 1.1 of every ledger entry")
def feed_json(request: Request, session: SessionDep, lang: Lang = None) -> Response:
    return _json(request, session, lang, None, None)


@router.get("/feed.atom", summary="Atom feed of every ledger entry")
def feed_atom(request: Request, session: SessionDep, lang: Lang = None) -> Response:
    return _atom(request, session, lang, None, None)


def _check_kind(kind: str, value: str) -> None:
    if kind not in FEED_KINDS:
        raise NotFoundError(f"Feeds exist per {', '.join(FEED_KINDS)} and trip.")
    if len(value) > 120:
        raise BadRequestError("The feed's value is at most 120 characters.")


@router.get("/feeds/{kind}/{value}.json", summary="JSON Feed of one department, SDG or traveller")
def facet_json(
    kind: str, value: str, request: Request, session: SessionDep, lang: Lang = None
) -> Response:
    _check_kind(kind, value)
    return _json(request, session, lang, kind, value)


@router.get("/feeds/{kind}/{value}.atom", summary="Atom feed of one department, SDG or traveller")
def facet_atom(
    kind: str, value: str, request: Request, session: SessionDep, lang: Lang = None
) -> Response:
    _check_kind(kind, value)
    return _atom(request, session, lang, kind, value)


@router.get("/trips/{trip_id}/feed.json", summary="JSON Feed of one trip")
def trip_json(trip_id: str, request: Request, session: SessionDep, lang: Lang = None) -> Response:
    if queries.trip(session, trip_id[:64]) is None:
        raise NotFoundError("No published trip has this id.")
    return _json(request, session, lang, "trip", trip_id)


@router.get("/trips/{trip_id}/feed.atom", summary="Atom feed of one trip")
def trip_atom(trip_id: str, request: Request, session: SessionDep, lang: Lang = None) -> Response:
    if queries.trip(session, trip_id[:64]) is None:
        raise NotFoundError("No published trip has this id.")
    return _atom(request, session, lang, "trip", trip_id)
