"""The ledger rotates its log key, and the site's policy still names the old one: the
verify button follows the rotation statement, checking both keys' signatures itself, and
refuses the retired key's word on a larger tree; a statement changed in the page fails.
In headless Chromium, on SQLite (what it checks is the same on every database)."""

from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from playwright.sync_api import Browser, Route
from sqlmodel import Session

from ledger.log.rotation import rotate
from ledger.testing import Ledger
from notifier.testing import screenshot
from periplus.note import Checkpoint, Signer, split_note
from tests.notifier_ledger.browser import (
    OTHER,
    closing,
    log_line,
    open_page,
    pinning_notifier,
    policy_file,
    standing_in,
    verify,
    with_two_trips,
)

pytestmark = pytest.mark.backends("sqlite")


def test_the_button_follows_a_rotation_and_refuses_the_retired_key_past_it(
    browser: Browser, database_url: str, ledger: Ledger, tmp_path: Path
) -> None:
    old = ledger.signer
    policy = policy_file(tmp_path, log_line(ledger), "quorum none")  # the old key
    with_two_trips(ledger)
    new = Signer(ledger.settings.origin, Ed25519PrivateKey.generate())
    with Session(ledger.engine) as session:
        rotate(session, old, new)
        session.commit()
    replace(ledger, signer=new).append([closing()])
    forged: dict[str, str] = {}
    with (
        standing_in(
            ledger, lambda: forged.get("note") or ledger.get("/v1/log/checkpoint").text
        ) as stand_in,
        pinning_notifier(database_url, ledger, policy, stand_in, entries=7) as site,
    ):
        page, errors = open_page(browser, f"{site.url}/trips/{OTHER}")
        result, words = verify(page, 6)
        assert result == "ok", words
        assert errors == []
        page.locator("#keys summary").click()
        keys = page.locator("#keys").inner_text()
        assert "Changes of the ledger's key since the key above: 1." in keys
        screenshot(page, "trip-rotated-key", tmp_path)
        # The retired key, leaked, signs the same tree at a size past its rotation's.
        real = Checkpoint.parse_body(split_note(ledger.get("/v1/log/checkpoint").text)[0])
        forged["note"] = old.sign(Checkpoint(real.origin, real.size, real.root).body())
        page, _ = open_page(browser, f"{site.url}/trips/{OTHER}")
        result, words = verify(page, 6)
        assert result == "fail"
        assert "is signed with a key retired at size 6" in words
        # A statement changed on its way to the page (its size) is refused.
        forged.clear()
        page = browser.new_page()

        def changed(route: Route) -> None:
            html = route.fetch().text()
            assert "\\n6\\n" in html
            route.fulfill(body=html.replace("\\n6\\n", "\\n9\\n", 1), content_type="text/html")

        page.route(f"{site.url}/trips/{OTHER}", changed)
        page.goto(f"{site.url}/trips/{OTHER}")
        result, words = verify(page, 6)
        assert result == "fail"
        assert "a key rotation statement of the ledger does not verify" in words
