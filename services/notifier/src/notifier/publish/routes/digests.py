"""``/digest/<period>``: a month or a year in plain words, printable; and their feeds."""

from datetime import UTC, datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from notifier import state
from notifier.deps import ReadingDep
from notifier.i18n.vocabulary import DIGEST_KIND
from notifier.i18n.words import words
from notifier.publish import digest, feeds
from notifier.publish.routes.common import Lang, language_headers, reader_lang, render
from periplus.errors import NotFoundError

router = APIRouter(tags=["public"])

PeriodText = Annotated[
    str, Path(pattern=r"^\d{4}(-(0[1-9]|1[0-2]))?$", description="YYYY or YYYY-MM")
]
Kind = Literal["monthly", "yearly"]


@router.get(
    "/digest/{period}",
    response_class=HTMLResponse,
    summary="A month's or a year's digest, for the city newsletter",
)
def digest_page(
    period: PeriodText, request: Request, session: ReadingDep, lang: Lang = None
) -> HTMLResponse:
    chosen = digest.Period.parse(period)
    if chosen is None:  # the pattern let it through: a year out of any calendar
        raise NotFoundError(f"No digest for {period!r}.")
    reader = reader_lang(request, lang)
    kind = "monthly" if chosen.month else "yearly"
    return render(
        "digest.html",
        request,
        reader,
        digest=digest.build(session, chosen, reader),
        period_name=chosen.name(reader),
        kind=kind,
        previous=chosen.before().key,
        next=chosen.after().key,
    )


def _feed(
    kind: Kind, request: Request, session: ReadingDep, lang: str | None
) -> tuple[str, str, feeds.Channel, list[feeds.Item], str]:
    """What the Atom and the JSON Feed of a kind of digest are both written from."""
    settings = state.of(request.app).settings
    reader = reader_lang(request, lang)
    base = settings.public_url.rstrip("/")
    channel = feeds.Channel(words(reader).word(DIGEST_KIND[kind]), f"/digests/{kind}")
    return base, settings.site_name, channel, _items(base, session, kind, reader), reader


def _items(base: str, session: ReadingDep, kind: Kind, lang: str) -> list[feeds.Item]:
    found = []
    for period in digest.recent(session, monthly=kind == "monthly"):
        made = digest.build(session, period, lang)
        name = period.name(lang)
        found.append(
            feeds.Item(
                index=made.last_index,
                sub=0,
                trip_id="",
                type=f"digest.{kind}",
                occurred_at=_end(period),
                title=words(lang).gettext("{period}: the city abroad", period=name),
                content=" ".join(made.lines),
                url=f"{base}/digest/{period.key}?lang={lang}",
                ledger_url=f"{base}/data/catalog.jsonld",
                key=f"/digest/{period.key}",
            )
        )
    return found


def _end(period: digest.Period) -> str:
    """The moment a period's digest stands for: the start of the period after it, or now."""
    after = period.after()
    moment = datetime(after.year, after.month or 1, 1, tzinfo=UTC)
    return min(moment, datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ")


@router.get("/digests/{kind}.atom", summary="Atom feed of the monthly or yearly digests")
def digests_atom(kind: Kind, request: Request, session: ReadingDep, lang: Lang = None) -> Response:
    made = _feed(kind, request, session, lang)
    return Response(
        feeds.atom_feed(*made), media_type="application/atom+xml", headers=language_headers(made[4])
    )


@router.get("/digests/{kind}.json", summary="JSON Feed of the monthly or yearly digests")
def digests_json(kind: Kind, request: Request, session: ReadingDep, lang: Lang = None) -> Response:
    made = _feed(kind, request, session, lang)
    return JSONResponse(
        feeds.json_feed(*made),
        media_type="application/feed+json",
        headers=language_headers(made[4]),
    )
