"""The pages around the verify button: on a phone and in print (headless Chromium), and
the verify proxies that relay the ledger's bytes untouched.
"""

from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser

from ledger.testing import Ledger
from notifier.testing import Site, screenshot, serve
from tests.notifier_ledger.browser import OTHER, verify, with_two_trips

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")


@pytest.fixture
def ledger(ledger: Ledger) -> Ledger:
    return with_two_trips(ledger)


def test_pages_on_a_phone_and_in_print(browser: Browser, site: Site, tmp_path: Path) -> None:
    phone = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    phone.goto(f"{site.url}/?lang=pt")
    # Nothing wider than the screen: the page does not scroll sideways.
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert phone.get_by_label("Secretaria", exact=True).is_visible()
    screenshot(phone, "list-phone", tmp_path)
    phone.goto(f"{site.url}/trips/{OTHER}?lang=pt")
    phone.locator("#keys summary").click()
    result, _ = verify(phone, 5)
    assert result == "ok"
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    button = phone.locator("button.verify").first.bounding_box()
    assert button is not None
    assert button["x"] + button["width"] <= 390
    screenshot(phone, "trip-phone", tmp_path)
    phone.emulate_media(media="print")
    assert not phone.locator("button.verify").first.is_visible()
    assert not phone.locator("nav.lang").is_visible()
    assert not phone.locator("#keys").is_visible()
    screenshot(phone, "trip-print", tmp_path)


def test_the_verify_proxies_pass_the_ledgers_bytes_untouched(site: Site, ledger: Ledger) -> None:
    pairs = [
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
    # The page checks with pinned keys; no key is relayed from the server it checks.
    assert httpx.get(f"{site.url}/v1/verify/key").status_code == 404
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
