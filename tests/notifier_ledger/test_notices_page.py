"""``/notices``: every public decision of the log's operators, from a real ledger: a
withholding, a seq moved past after the ledger refused its event, and one moved past
because it never arrived, each in the reader's language, newest first; its Atom feed;
and the page in headless Chromium.

Screenshots go to ``PERIPLUS_SCREENSHOTS`` (a directory) when it is set.
"""

import re
from collections.abc import Iterator
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from playwright.sync_api import Browser
from sqlmodel import Session

from ledger.ingest.resolve import note_denied, note_missing, resolve
from ledger.log.service import sign_checkpoint
from ledger.log.withhold import withhold
from ledger.testing import Ledger
from notifier.testing import SOURCE_SIGNER, Site, screenshot, words
from periplus.sources import SourceKeys
from tests.notifier_ledger.browser import (
    RESOLVED,
    SOURCE_KEYS,
    TRIP,
    closing,
    log_line,
    pinning_notifier,
    policy_file,
    with_a_resolved_seq,
    with_two_trips,
)

HELD, NOTICE, PASSED, NEVER, MISSING = 3, 6, 7, 9, 11  # the entry withheld; the notices
LOST = "the city's outbox lost it in the move to the new server"
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture
def ledger(ledger: Ledger) -> Ledger:
    """Two trips (0 to 5); entry 3 withheld (notice 6); seq 7 refused and passed (notice
    7, seq 8 at 8); seq 9 never came, the city said it has not got it (notice 9); seq 10;
    seq 11 missing longer than the ledger waits (notice 11); seq 12."""
    with_two_trips(ledger)
    with Session(ledger.engine) as session:
        notice = withhold(
            session, HELD, "A witness's name", "Law 18.381, art. 10", ledger.own_signer
        )
        assert notice == NOTICE
        session.commit()
        sign_checkpoint(session, ledger.signer)
        session.commit()
    assert with_a_resolved_seq(ledger) == PASSED
    source, keys = SOURCE_SIGNER.name, SourceKeys.configured(SOURCE_KEYS)
    with Session(ledger.engine) as session:
        assert note_missing(session, source, 9)
        assert note_denied(session, source, 9)
        assert resolve(session, source, 9, LOST, ledger.own_signer, [source], keys) == NEVER
        session.commit()
    ledger.append([closing(10)])
    with Session(ledger.engine) as session:
        assert note_missing(session, source, 11)
        passed = resolve(session, source, 11, "gone", ledger.own_signer, [source], keys, 0.0)
        assert passed == MISSING
        session.commit()
    ledger.append([closing(12)])
    return ledger


@pytest.fixture
def site(database_url: str, ledger: Ledger, tmp_path: Path) -> Iterator[Site]:
    policy = policy_file(tmp_path, log_line(ledger), "quorum none")
    with pinning_notifier(database_url, ledger, policy, entries=13) as site:
        yield site


# Per language: the title, what a withholding says, what a refused event passed says, what
# one that never arrived says, and one missing for longer than the ledger waits.
SAID = {
    "en": (
        "The log's public decisions",
        "Entry 3 was withheld under law",
        "The event arrived, but the ledger could not log it.",
        "The event never arrived: the source, asked for it, answered that it does not have it.",
        "The event never arrived: it was missing since",
    ),
    "es": (
        "Las decisiones públicas del registro",
        "La entrada 3 fue reservada por ley",
        "El evento llegó, pero el registro no pudo aceptarlo.",
        "El evento nunca llegó: la fuente, consultada, respondió que no lo tiene.",
        "El evento nunca llegó: faltaba desde el",
    ),
    "fr": (
        "Les décisions publiques du registre",
        "L'entrée 3 a été occultée en vertu de la loi",
        "L'événement est arrivé, mais le registre n'a pas pu l'accepter.",
        "L'événement n'est jamais arrivé\u00a0: la source, interrogée, a répondu"
        " qu'elle ne l'a pas.",
        "L'événement n'est jamais arrivé\u00a0: il manquait depuis le",
    ),
    "pt": (
        "As decisões públicas do registro",
        "A entrada 3 foi reservada por lei",
        "O evento chegou, mas o registro não pôde aceitá-lo.",
        "O evento nunca chegou: a fonte, consultada, respondeu que não o tem.",
        "O evento nunca chegou: faltava desde",
    ),
}


@pytest.mark.parametrize("lang", sorted(SAID))
def test_every_decision_is_listed_newest_first_in_the_readers_language(
    site: Site, lang: str
) -> None:
    """Each notice the notifier verified, with what the ledger states (the reason, the legal
    basis, the source and its seq) and what the page can tell from it, in plain words."""
    page = httpx.get(f"{site.url}/notices?lang={lang}")
    assert page.status_code == 200
    title, withheld, refused, never, missing = SAID[lang]
    body = words(page.text)
    assert f"<h1>{title}</h1>" in page.text.replace("&#39;", "'")
    listed = re.findall(r'<tr id="entry-(\d+)"', page.text)
    assert listed == [str(MISSING), str(NEVER), str(PASSED), str(NOTICE)]
    assert withheld in body
    assert "A witness's name" in body
    assert "Law 18.381, art. 10" in body
    assert f'href="/trips/{TRIP}?lang={lang}#entry-{HELD}"' in page.text
    assert "MVD-2026-0021" in body  # the trip named
    assert f" {PASSED} " in body
    assert SOURCE_SIGNER.name in body
    assert refused in body
    assert RESOLVED in body
    assert never in body
    assert LOST in body
    assert re.search(re.escape(missing) + r" .{5,30}? 20\d\d \d\d:\d\d UTC\.", body)
    assert "never arrived;" not in body  # the ledger's own English, said in plain words
    for index in (NOTICE, PASSED, NEVER, MISSING):
        assert f'href="/v1/verify/entries?start={index}&amp;end={index + 1}"' in page.text
    assert 'href="/verifier.html"' in page.text


def test_the_page_is_kept_and_revalidated_and_linked_from_every_page(site: Site) -> None:
    """The page follows the read model's version, as every public page does, and the
    footer of every page links to it."""
    page = httpx.get(f"{site.url}/notices?lang=en")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    assert page.headers["content-language"] == "en"
    again = httpx.get(
        f"{site.url}/notices?lang=en", headers={"If-None-Match": page.headers["etag"]}
    )
    assert again.status_code == 304
    home = httpx.get(f"{site.url}/?lang=fr").text
    assert '<a href="/notices?lang=fr">Les décisions publiques du registre</a>' in home


def test_the_atom_feed_carries_every_decision(site: Site) -> None:
    feed = httpx.get(f"{site.url}/notices.atom?lang=en")
    assert feed.status_code == 200
    assert feed.headers["content-type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(feed.content)  # noqa: S314 (our own feed)
    entries = root.findall(f"{ATOM}entry")
    assert [e.findtext(f"{ATOM}updated") is not None for e in entries] == [True] * 4
    summaries = [e.findtext(f"{ATOM}summary") or "" for e in entries]
    assert "never arrived: it was missing since" in summaries[0]
    assert LOST in summaries[1]
    assert RESOLVED in summaries[2]
    assert "Law 18.381" in summaries[3]
    related = [e.find(f"{ATOM}link[@rel='related']") for e in entries]
    assert [link.get("href") for link in related if link is not None] == [
        f"https://trips.example.org/v1/verify/entries?start={i}&end={i + 1}"
        for i in (MISSING, NEVER, PASSED, NOTICE)
    ]


@pytest.mark.backends("sqlite")
def test_the_page_in_chromium_on_a_desk_and_a_phone(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    desk = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    desk.on("pageerror", lambda exc: errors.append(str(exc)))
    desk.goto(f"{site.url}/notices?lang=fr")
    assert desk.locator("tr[data-type='entry.withheld'] a").first.is_visible()
    screenshot(desk, "notices-desk", tmp_path)
    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone.goto(f"{site.url}/notices?lang=en")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone, "notices-phone", tmp_path)
    assert errors == []
