"""What the browser tests share: opening a page, pressing verify and reading its verdict,
and a key no one trusts (screenshots: ``notifier.testing.screenshot``)."""

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Browser, Page

STRANGER = Ed25519PrivateKey.from_private_bytes(bytes(range(120, 152)))


def verify(page: Page, index: int) -> tuple[str, str]:
    """Press the verify button of entry ``index``; its result and its words."""
    page.click(f'button.verify[data-index="{index}"]')
    verdict = page.locator(f"#verdict-{index}")
    verdict.and_(page.locator("[data-result]")).wait_for(timeout=15_000)
    lines = [line for line in verdict.inner_text().splitlines() if line.strip()]
    return str(verdict.get_attribute("data-result")), "\n".join(lines)


def open_page(browser: Browser, url: str) -> tuple[Page, list[str]]:
    """A page at ``url``, and the script errors it raises as they come."""
    page = browser.new_page(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url)
    return page, errors
