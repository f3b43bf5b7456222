"""``/notices``: every public decision of the log's operators, newest first, and its feed.

A withholding shows on its trip's page, but a seq the log moved past belongs to no trip:
this page lists both, as the notifier verified and shows them, so a reader can see every
decision in one place and check each against the ledger. It lists too each gap in the log
that this site's operator accepted (``notifier.ingest.gaps``): no entry of the ledger's,
but a decision of this site's, said as such.
"""

from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response
from sqlmodel import Session

from notifier import state
from notifier.deps import ReadingDep
from notifier.i18n.words import words
from notifier.ingest.models import GapAccepted
from notifier.publish import feeds, notices, repository
from notifier.publish.models import LoggedEntry
from notifier.publish.routes.common import Lang, language_headers, reader_lang, render

router = APIRouter(tags=["public"])

PER_PAGE = 50
FEED_SIZE = 50


@router.get("/notices", response_class=HTMLResponse, summary="The log's public decisions")
def notices_page(
    request: Request,
    session: ReadingDep,
    lang: Lang = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> HTMLResponse:
    reader = reader_lang(request, lang)
    found = _decisions(session, PER_PAGE + 1, (page - 1) * PER_PAGE)
    here = {k: v for k, v in request.query_params.items() if k != "page"}
    return render(
        "notices.html",
        request,
        reader,
        rows=_said(session, found[:PER_PAGE], reader),
        page=page,
        newer="?" + urlencode({**here, "page": page - 1}) if page > 1 else None,
        older="?" + urlencode({**here, "page": page + 1}) if len(found) > PER_PAGE else None,
    )


@router.get("/notices.atom", summary="Atom feed of the log's public decisions")
def notices_atom(request: Request, session: ReadingDep, lang: Lang = None) -> Response:
    reader = reader_lang(request, lang)
    settings = state.of(request.app).settings
    base = settings.public_url.rstrip("/")
    found = _decisions(session, FEED_SIZE, 0)
    channel = feeds.Channel(words(reader).gettext("The log's public decisions"), "/notices")
    items = [_item(base, shown, reader) for shown in _said(session, found, reader)]
    body = feeds.atom_feed(base, settings.site_name, channel, items, reader)
    return Response(body, media_type="application/atom+xml", headers=language_headers(reader))


def _decisions(session: Session, count: int, start: int) -> list[LoggedEntry | GapAccepted]:
    """The decisions at places ``[start, start + count)``, newest first: the ledger's
    notices, read from their index, and the gaps this site accepted among them."""
    gaps = repository.gaps_placed(session, notices.TYPES)
    offset = notices.first_notice(gaps, start)
    listed = repository.notices(session, notices.TYPES, count, offset)
    return notices.page(listed, gaps, start, count)


def _said(
    session: Session, found: list[LoggedEntry | GapAccepted], lang: str
) -> list[notices.Shown]:
    entries = [e for e in found if isinstance(e, LoggedEntry)]
    trips = repository.trips_named(session, {e.trip_id for e in entries if e.trip_id})
    return [
        notices.shown(e, trips, lang) if isinstance(e, LoggedEntry) else notices.gap(e, lang)
        for e in found
    ]


def _item(base: str, shown: notices.Shown, lang: str) -> feeds.Item:
    """A notice as a feed item: what was decided, linked to the page and to the entry."""
    facts = " ".join(f"{label}: {value}" for label, value in shown.facts if value)
    return feeds.Item(
        index=shown.index,
        sub=0,
        trip_id="",
        type=shown.type,
        occurred_at=shown.occurred_at,
        title=shown.headline,
        content=f"{shown.sentence} {facts}".strip(),
        url=f"{base}/notices?lang={lang}#{shown.anchor}",
        ledger_url=f"{base}/v1/verify/entries?start={shown.index}&end={shown.index + 1}",
        key=f"/notices#{shown.anchor}" if shown.type == notices.GAP else "",
    )
