"""What every page shares: the templates, the reader's language, the share meta, the year."""

from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import Query, Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from notifier import state
from notifier.deps import ReadingDep
from notifier.i18n import vocabulary
from notifier.i18n.locale import negotiate
from notifier.i18n.words import words
from notifier.opendata.catalogue import LICENSES
from notifier.publish import hrefs, yearbook
from periplus.sdg import LANGUAGES

TEMPLATES = Path(__file__).parent.parent.parent / "templates"
templates = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
templates.filters["web_href"] = hrefs.web_href
FEED_KINDS = ("department", "sdg", "traveller")
Lang = Annotated[str | None, Query(max_length=35, description="en, es, fr or pt")]


@dataclass(frozen=True)
class Share:
    """What a page shows when it is shared: Open Graph and Twitter card meta."""

    title: str
    description: str
    image: str  # an absolute URL, as Open Graph requires


def reader_lang(request: Request, lang: str | None) -> str:
    return negotiate(lang, request.headers.get("accept-language"))


def today() -> date:
    return datetime.now(UTC).date()


def year_share(base: str, year: int, lang: str) -> Share:
    """A year at a glance, as a share shows it: the home page's, and any page's of its own."""
    said = words(lang)
    return Share(
        said.gettext("{year} at a glance", year=year),
        said.gettext(
            "Every item here is an entry of the city's append-only ledger and can be verified."
        ),
        f"{base}/years/{year}/card.png?lang={lang}",
    )


def render(
    name: str, request: Request, lang: str, share: Share | None = None, **context: Any
) -> HTMLResponse:
    settings, said = state.of(request.app).settings, words(lang)
    query = {k: v for k, v in request.query_params.items() if k != "lang"}
    switch = {code: "?" + urlencode({**query, "lang": code}) for code in LANGUAGES}
    base = settings.public_url.rstrip("/")
    if share is None:  # a page of its own: the city's year is what a share shows
        share = year_share(base, today().year, lang)
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
        this_month=today().strftime("%Y-%m"),
        **context,
    )
    return HTMLResponse(body, headers=language_headers(lang))


def language_headers(lang: str) -> dict[str, str]:
    """An answer drawn in the reader's language says which, and that Accept-Language picks
    it: a cache that obeys ``Vary`` then neither serves nor revalidates (by its date) one
    language's copy for a reader of another."""
    return {"Content-Language": words(lang).tag, "Vary": "Accept-Language"}


def yearbook_of(request: Request, session: ReadingDep, day: date) -> yearbook.Yearbook:
    """The figures of every year, counted again only when the read model or the day changes."""
    kept = state.of(request.app)
    settings = kept.settings
    found: yearbook.Yearbook = kept.yearbook.get(session, day, settings.checklist, settings.home)
    return found
