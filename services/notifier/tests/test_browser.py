"""The pages in headless Chromium: the verify button checks a real ledger's proof and
signature with WebCrypto, and says so in plain words; a tampered proof fails.

Screenshots go to ``PERIPLUS_SCREENSHOTS`` (a directory) when it is set.
"""

import os
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright
from sqlmodel import Session

from ledger.log.service import sign_checkpoint
from ledger.log.withhold import withhold
from ledger.testing import Ledger
from ledger.testing import serve as serve_ledger
from services.notifier.tests.public_samples import event, life, numbered, snapshot
from services.notifier.tests.site_fixture import Site, serve

CHROMIUM = Path("/usr/bin/chromium")
TRIP = str(uuid.UUID(int=21))
OTHER = str(uuid.UUID(int=22))


def _chromium() -> Path:
    if not CHROMIUM.exists():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        try:
            # A new machine's package lists are empty until the first update.
            for command in (["apt-get", "update"], ["apt-get", "install", "-y", "chromium"]):
                subprocess.run(command, check=True, capture_output=True, timeout=600, env=env)
        except (OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"Chromium is not installed and `apt-get install chromium` failed: {exc}")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    path = _chromium()
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(path), headless=True)
        yield instance
        instance.close()


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with serve_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as running:
        yield running


@pytest.fixture
def site(database_url: str, ledger: Ledger) -> Iterator[Site]:
    other = snapshot("MVD-2026-0022", country="BR", city="Rio de Janeiro", size=6, notice=4)
    events = [*life(TRIP, "MVD-2026-0021"), event("trip.approved", OTHER, {"trip": other})]
    ledger.append(numbered(events))
    for running in serve(database_url, ledger_url=ledger.url):
        assert running.app.state.ingestor.catch_up() == len(events)
        yield running


def _shot(page: Page, name: str, tmp_path: Path) -> Path:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    if target := os.environ.get("PERIPLUS_SCREENSHOTS"):
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)
    return path


def _verify(page: Page, index: int) -> tuple[str, str]:
    page.click(f'button.verify[data-index="{index}"]')
    verdict = page.locator(f"#verdict-{index}")
    verdict.and_(page.locator("[data-result]")).wait_for(timeout=15_000)
    return str(verdict.get_attribute("data-result")), verdict.inner_text()


def test_verify_shows_success_on_a_real_entry(browser: Browser, site: Site, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(f"{site.url}/trips/{TRIP}")
    assert page.locator("button.verify").count() == 5
    for index in (0, 3):
        result, words = _verify(page, index)
        assert result == "ok", words
        assert words == (
            f"✓ Verified: entry {index} is in the ledger of 6 entries signed by "
            "periplus.test/ledger."
        )
    _shot(page, "trip-desktop", tmp_path)
    assert errors == []


def test_verify_speaks_the_pages_language(browser: Browser, site: Site) -> None:
    page = browser.new_page()
    page.goto(f"{site.url}/trips/{TRIP}?lang=fr")
    result, words = _verify(page, 1)
    assert result == "ok"
    assert words.startswith("✓ Vérifié : l'entrée 1 figure dans le registre de 6 entrées")


def test_a_tampered_proof_fails(browser: Browser, site: Site, tmp_path: Path) -> None:
    page = browser.new_page()

    def tamper(route: Route) -> None:
        answer = route.fetch()
        body = answer.json()
        first = bytearray(__import__("base64").b64decode(body["hashes"][0]))
        first[0] ^= 1
        body["hashes"][0] = __import__("base64").b64encode(bytes(first)).decode()
        route.fulfill(response=answer, json=body)

    page.route("**/v1/verify/proof/inclusion*", tamper)
    page.goto(f"{site.url}/trips/{TRIP}")
    result, words = _verify(page, 2)
    assert result == "fail"
    assert words == "✗ Not verified: the inclusion proof does not lead to the signed root"
    _shot(page, "trip-tampered", tmp_path)


def test_a_forged_checkpoint_fails(browser: Browser, site: Site) -> None:
    page = browser.new_page()

    def forge(route: Route) -> None:
        answer = route.fetch()
        origin, size, root, *rest = answer.text().split("\n")
        route.fulfill(response=answer, body="\n".join([origin, str(int(size) + 1), root, *rest]))

    page.route("**/v1/verify/checkpoint", forge)
    page.goto(f"{site.url}/trips/{TRIP}?lang=es")
    result, words = _verify(page, 0)
    assert result == "fail"
    assert words == "✗ No verificado: la firma del punto de control no es la del registro"


def test_an_entry_that_differs_from_the_page_fails(browser: Browser, site: Site) -> None:
    page = browser.new_page()
    page.goto(f"{site.url}/trips/{TRIP}")
    # The page claims entry 5 (another trip's) is this trip's approval.
    page.evaluate(
        "document.querySelector('button.verify[data-index=\"0\"]').dataset.index = '5';"
        "document.getElementById('verdict-0').id = 'verdict-5';"
    )
    result, words = _verify(page, 5)
    assert result == "fail"
    assert "the entry's bytes do not match this page or the proof" in words


def test_pages_on_a_phone_and_in_print(browser: Browser, site: Site, tmp_path: Path) -> None:
    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone.goto(f"{site.url}/?lang=pt")
    # Nothing wider than the screen: the page does not scroll sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.get_by_label("Secretaria").is_visible()
    _shot(phone, "list-phone", tmp_path)
    phone.goto(f"{site.url}/trips/{OTHER}?lang=pt")
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    _shot(phone, "trip-phone", tmp_path)
    phone.emulate_media(media="print")
    assert not phone.locator("button.verify").first.is_visible()
    assert not phone.locator("nav.lang").is_visible()
    _shot(phone, "trip-print", tmp_path)


def test_a_withheld_entry_still_verifies_by_its_hash(
    browser: Browser, site: Site, ledger: Ledger
) -> None:
    with Session(ledger.engine) as session:
        notice = withhold(
            session, 3, "Names a protected witness", "Law 18.381, art. 10", ledger.own_signer
        )
        session.commit()
        sign_checkpoint(session, ledger.signer)
        session.commit()
    assert site.app.state.ingestor.catch_up() == 1
    page = browser.new_page()
    page.goto(f"{site.url}/trips/{TRIP}")
    assert page.locator('button.verify[data-index="3"]').get_attribute("data-type") == "withheld"
    for index in (3, notice):
        result, words = _verify(page, index)
        assert result == "ok", words
        assert f"entry {index} is in the ledger of 7 entries" in words


def test_the_verify_proxies_pass_the_ledgers_bytes_untouched(site: Site, ledger: Ledger) -> None:
    pairs = [
        ("/v1/verify/key", "/v1/log/key"),
        ("/v1/verify/checkpoint", "/v1/log/checkpoint"),
        ("/v1/verify/entries?start=0&end=3", "/v1/log/entries?start=0&end=3"),
        (
            "/v1/verify/proof/inclusion?index=2&tree_size=6",
            "/v1/log/proof/inclusion?index=2&tree_size=6",
        ),
    ]
    for ours, theirs in pairs:
        mine, original = httpx.get(f"{site.url}{ours}"), httpx.get(f"{ledger.url}{theirs}")
        assert mine.status_code == original.status_code == 200
        assert mine.content == original.content
        assert mine.headers["content-type"] == original.headers["content-type"]
    too_far = httpx.get(f"{site.url}/v1/verify/proof/inclusion?index=2&tree_size=99")
    assert too_far.status_code == 400
    assert too_far.headers["content-type"].startswith("application/problem+json")
    backwards = httpx.get(f"{site.url}/v1/verify/entries?start=5&end=1")
    assert backwards.status_code == 400


def test_an_unreachable_ledger_is_a_problem_not_a_crash(database_url: str) -> None:
    for running in serve(database_url, ledger_url="http://127.0.0.1:9"):
        answer = httpx.get(f"{running.url}/v1/verify/checkpoint")
        assert answer.status_code == 502
        assert answer.json()["detail"] == "The ledger cannot be reached just now."
