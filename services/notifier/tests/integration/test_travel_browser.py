"""The map and the methodology page in headless Chromium: drawn under the site's own
Content-Security-Policy, and the list beside the map reached with the keyboard.

Screenshots go to ``PERIPLUS_SCREENSHOTS`` (a directory) when it is set.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from notifier.testing import Site, screenshot

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")


def _open(browser: Browser, url: str) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    refused: list[str] = []
    # What the policy blocks is told on the console; what fails to load, by its response
    # (the console also tells of the browser's own favicon request, which no page makes).
    page.on("console", lambda m: refused.append(m.text) if "Security Policy" in m.text else None)
    page.on("response", lambda r: refused.append(r.url) if r.status >= 400 else None)
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, refused


def test_the_map_draws_the_world_and_its_list_is_reached_by_keyboard(
    travel_site: Site, browser: Browser, tmp_path: Path
) -> None:
    page, refused = _open(browser, f"{travel_site.url}/map?year=2026&lang=en")
    assert refused == []  # nothing blocked by the policy, nothing failed to load
    box = page.locator("svg.worldmap").bounding_box()
    assert box is not None
    assert box["width"] > 500
    assert page.locator("svg.worldmap circle").count() == 4
    # The world layer is the site's own file, drawn as an image inside the map.
    loaded = page.evaluate(
        "fetch(document.querySelector('svg.worldmap image').getAttribute('href'))"
        ".then(r => r.status + ' ' + r.headers.get('content-type'))"
    )
    assert loaded == "200 image/svg+xml"
    reached = []
    for _ in range(40):
        page.keyboard.press("Tab")
        reached.append(page.evaluate("document.activeElement.closest('.atlas-list') !== null"))
        if reached[-1]:
            break
    assert reached[-1], "no link of the destinations list takes the keyboard's focus"
    assert page.evaluate("document.activeElement.textContent") == "Belgium"
    screenshot(page, "map-2026-en", tmp_path)
    page.close()


@pytest.mark.parametrize("lang", ["en", "es", "fr", "pt"])
def test_the_methodology_page_renders_in_each_language(
    travel_site: Site, browser: Browser, tmp_path: Path, lang: str
) -> None:
    page, refused = _open(browser, f"{travel_site.url}/emissions?year=2026&lang={lang}")
    assert refused == []
    assert page.locator("table code").count() == 3
    assert page.locator("h2").count() >= 3
    screenshot(page, f"emissions-{lang}", tmp_path)
    page.close()
