"""The keys the verify button checks with, in headless Chromium: those the deployment pins,
shown with their fingerprints, or the reader's own; a witness quorum; a checkpoint signed
by another key; a source key used outside the seqs it may sign.
"""

import json
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, expect

from ledger.testing import Ledger
from notifier.testing import SOURCE_SIGNER, Site, screenshot
from tests.notifier_ledger.browser import (
    SECOND,
    TRIP,
    WITNESS,
    cosigning,
    fingerprint,
    key_id,
    log_line,
    open_page,
    pinning_notifier,
    policy_file,
    sign_with_another_key,
    verify,
    with_two_trips,
)

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")


@pytest.fixture
def ledger(ledger: Ledger) -> Ledger:
    return with_two_trips(ledger)


def test_a_witness_cosignature_that_meets_the_quorum_passes(
    browser: Browser, database_url: str, ledger: Ledger, tmp_path: Path
) -> None:
    policy = policy_file(tmp_path, log_line(ledger), f"witness w1 {WITNESS.key}", "quorum w1")
    with (
        cosigning(ledger, [WITNESS]) as stand_in,
        pinning_notifier(database_url, ledger, policy, stand_in) as site,
    ):
        page, errors = open_page(browser, f"{site.url}/trips/{TRIP}")
        result, words = verify(page, 2)
        assert result == "ok", words
        assert "Cosigned by witness.example/w1, as the trust policy requires." in words
        # The reader sees the witness's key as the witness publishes it, with its fingerprint.
        page.locator("#keys summary").click()
        keys = page.locator("#keys").inner_text()
        assert f"w1 ({WITNESS.name})" in keys
        assert WITNESS.key.key_id.hex() in keys
        assert fingerprint(str(WITNESS.key)) in keys
        assert "quorum “w1”" in keys
        assert errors == []


def test_a_checkpoint_without_the_quorum_is_refused(
    browser: Browser, database_url: str, ledger: Ledger, tmp_path: Path
) -> None:
    policy = policy_file(tmp_path, log_line(ledger), f"witness w1 {WITNESS.key}", "quorum w1")
    cosigners = [WITNESS]
    with (
        cosigning(ledger, cosigners) as stand_in,
        pinning_notifier(database_url, ledger, policy, stand_in) as site,
    ):
        page, errors = open_page(browser, f"{site.url}/trips/{TRIP}?lang=pt")
        # A reader's own policy that also asks for a second witness, in a group with w1.
        page.locator("#keys summary").click()
        both = [log_line(ledger), f"witness w1 {WITNESS.key}", f"witness w2 {SECOND.key}"]
        page.fill("#own-policy", "\n".join([*both, "group both all w1 w2", "quorum both"]))
        page.fill("#own-sources", str(SOURCE_SIGNER.verifier))
        page.click("#own-keys button[type=submit]")
        result, words = verify(page, 0)
        assert result == "fail"
        assert words.splitlines() == [
            "✗ Não verificado: o ponto de controle está coassinado por witness.example/w1, o que "
            "não cumpre o quórum “both” da política de confiança.",
            "Verificado com as suas próprias chaves.",
        ]
        page.click("#own-forget")
        # The ledger now serves its checkpoint without the witness's cosignature.
        cosigners.clear()
        result, words = verify(page, 0)
        assert result == "fail"
        assert words.splitlines() == [
            "✗ Não verificado: nenhuma testemunha da política de confiança coassinou o ponto de "
            "controle, por isso ele não cumpre o quórum “w1”.",
            "Verificado com as chaves fixadas por este site.",
        ]
        assert errors == []


def test_a_checkpoint_signed_by_another_key_than_the_pinned_one_is_refused(
    browser: Browser, site: Site, ledger: Ledger, tmp_path: Path
) -> None:
    other = sign_with_another_key(ledger)
    page, _ = open_page(browser, f"{site.url}/trips/{TRIP}?lang=es")
    result, words = verify(page, 0)
    assert result == "fail"
    assert words.splitlines() == [
        "✗ No verificado: el punto de control de periplus.test/ledger está firmado con la "
        f"clave {key_id(other)}, pero la clave en uso es {key_id(ledger.signer)}; se "
        "rechaza un punto de control firmado con cualquier otra clave.",
        "Comprobado con las claves fijadas por este sitio.",
    ]
    screenshot(page, "trip-stale-key-es", tmp_path)


def test_the_page_pins_its_keys_and_shows_their_fingerprints(
    browser: Browser, site: Site, ledger: Ledger
) -> None:
    html = httpx.get(f"{site.url}/trips/{TRIP}").text
    page, _ = open_page(browser, f"{site.url}/trips/{TRIP}")
    # Every script is the external file or data: nothing inline runs.
    scripts = page.eval_on_selector_all("script", "all => all.map(s => s.src ? 'src' : s.type)")
    assert sorted(scripts) == ["application/json", "application/json", "src"]
    trust = json.loads(page.locator("#trust").text_content() or "")
    log = str(ledger.signer.verifier)
    assert trust["logs"] == [log]
    assert trust["policy"] == f"log {log}\nquorum none\n"
    assert trust["quorum"] == "none"
    # Each source key with the seqs it may sign: from 1, and no end until a rotation retires it.
    assert trust["sources"][SOURCE_SIGNER.name] == [
        {"key": str(SOURCE_SIGNER.verifier), "first": 1, "last": None}
    ]
    assert not page.locator("#keys .fingerprint").first.is_visible()
    page.locator("#keys summary").click()
    keys = page.locator("#keys").inner_text()
    for vkey in (log, str(SOURCE_SIGNER.verifier)):
        assert fingerprint(vkey) in keys
        assert vkey in keys
    # Each source key also as a verifier reads it, with its seqs: pasted bare, it would
    # be trusted for every seq.
    lines = page.locator("#keys code.keyline").all_inner_texts()
    assert f"{SOURCE_SIGNER.verifier} 1-" in lines
    assert key_id(ledger.signer) in keys
    assert "No witness cosignature is required (quorum none)." in keys
    assert "/v1/verify/key" not in html
    assert "/v1/log/key" not in html


def test_a_reader_can_check_with_their_own_keys(
    browser: Browser, site: Site, ledger: Ledger, tmp_path: Path
) -> None:
    other = sign_with_another_key(ledger)
    page, errors = open_page(browser, f"{site.url}/trips/{TRIP}")
    assert verify(page, 0)[0] == "fail"
    page.locator("#keys summary").click()
    page.fill("#own-policy", "log not-a-key\nquorum none\n")
    page.click("#own-keys button[type=submit]")
    assert page.locator("#own-status").inner_text() == "line 1 of the trust policy cannot be read"
    # The key the log's operator now publishes, and the city's.
    mine = f"# as the log's operator publishes it\nlog {other.verifier}\nquorum none"
    page.fill("#own-policy", mine)
    page.fill("#own-sources", str(SOURCE_SIGNER.verifier))
    page.click("#own-keys button[type=submit]")
    saved = "Your keys are kept in this browser and used for every check until you forget them."
    # A key pasted bare, as the city's /v1/events/key gives it, is trusted for every seq.
    bare = f"⚠ No seqs follow {SOURCE_SIGNER.name}+{key_id(SOURCE_SIGNER)}: this page trusts"
    status = page.locator("#own-status")
    expect(status).to_have_text(re.compile(f"^{re.escape(f'{saved} {bare}')}"), timeout=15_000)
    screenshot(page, "trip-own-keys-unranged", tmp_path)
    page.fill("#own-sources", f"{SOURCE_SIGNER.verifier} 1-")
    page.click("#own-keys button[type=submit]")
    expect(status).to_have_text(saved, timeout=15_000)
    assert page.locator("#keys-in-use").inner_text() == "The verify buttons use your own keys."
    result, words = verify(page, 0)
    assert result == "ok", words
    assert words.splitlines()[-1] == "Checked with your own keys."
    # Kept across visits, in this browser only.
    page.reload()
    assert page.input_value("#own-policy") == mine + "\n"
    result, words = verify(page, 4)
    assert result == "ok", words
    assert words.splitlines()[-1] == "Checked with your own keys."
    page.locator("#keys summary").click()
    page.click("#own-forget")
    result, words = verify(page, 4)
    assert result == "fail"
    assert words.splitlines()[-1] == "Checked with the keys this site pins."
    assert errors == []


def test_a_key_verifies_only_the_seqs_it_may_sign(
    browser: Browser, site: Site, ledger: Ledger
) -> None:
    """A key that a rotation retired signs nothing its source numbered later, and a new
    key nothing before its rotation: stolen after its retirement, it forges nothing."""
    page, errors = open_page(browser, f"{site.url}/trips/{TRIP}")
    page.locator("#keys summary").click()
    policy = f"{log_line(ledger)}\nquorum none"
    for line, index, reason in [
        ("1-4", 3, None),
        ("1-4", 4, "was retired after seq 4, and this entry is seq 5"),
        ("2-", 0, "signs only from seq 2, and this entry is seq 1"),
    ]:
        page.fill("#own-policy", policy)
        page.fill("#own-sources", f"{SOURCE_SIGNER.verifier} {line}")
        page.click("#own-keys button[type=submit]")
        result, words = verify(page, index)
        if reason is None:
            assert result == "ok", words
        else:
            assert result == "fail"
            key_id = SOURCE_SIGNER.verifier.key_id.hex()
            assert words.splitlines()[0] == (
                f"✗ Not verified: key {key_id} of {SOURCE_SIGNER.name} {reason}."
            )
    page.fill("#own-sources", f"{SOURCE_SIGNER.verifier} 4-2")
    page.click("#own-keys button[type=submit]")
    assert page.locator("#own-status").inner_text().startswith("this source key cannot be read")
    assert errors == []
