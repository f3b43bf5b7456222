"""The standalone verifier a reader keeps: one file, the same bytes on every request, that
holds no key and no site, opened from disk in headless Chromium; it reads a real ledger's
entries through the notifier (cross-origin) and checks them with keys the reader pastes.
"""

import asyncio
import base64
import hashlib
import json
import os
import re
import subprocess
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response, StreamingResponse
from playwright.sync_api import Browser, Page, Route, expect
from sqlmodel import Session

from ledger.log.service import sign_checkpoint
from ledger.log.withhold import withhold
from ledger.testing import Ledger
from notifier.testing import SOURCE_SIGNER, Site, screenshot
from periplus import sources
from periplus.note import Signer
from periplus.sources import SourceKeys
from periplus.testing import Server
from periplus.verify import verify_log
from tests.notifier_ledger.browser import (
    OTHER,
    RESOLVED,
    SOURCE_KEYS,
    STRANGER,
    TRIP,
    WITNESS,
    cosigning,
    key_id,
    log_line,
    pinning_notifier,
    policy_file,
    with_a_resolved_seq,
    with_two_trips,
)

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")


@pytest.fixture
def ledger(ledger: Ledger) -> Ledger:
    return with_two_trips(ledger)


def _kept_copy(site: Site, tmp_path: Path) -> Path:
    """The file as a reader downloads it, written where the reader keeps it."""
    answer = httpx.get(f"{site.url}/verifier.html")
    assert answer.status_code == 200
    path = tmp_path / "periplus-verifier.html"
    path.write_bytes(answer.content)
    return path


def _verdict(page: Page) -> tuple[str, str]:
    """Verify, and the verdict once shown: its result and its lines."""
    page.click("#verify")
    verdict = page.locator("#verdict[data-result]")
    verdict.wait_for(timeout=15_000)
    lines = [line for line in verdict.inner_text().splitlines() if line.strip()]
    return str(verdict.get_attribute("data-result")), "\n".join(lines)


def _check(page: Page, site: str, policy: str, sources: str, entry: str) -> tuple[str, str]:
    page.fill("#site", site)
    page.fill("#policy", policy)
    page.fill("#sources", sources)
    page.fill("#entry", entry)
    return _verdict(page)


def _open(browser: Browser, path: Path) -> tuple[Page, list[str]]:
    page = browser.new_page(viewport={"width": 1000, "height": 900}, locale="en-GB")
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda m: errors.append(m.text) if "Content Security" in m.text else None)
    page.goto(path.as_uri())
    return page, errors


def test_the_file_is_the_same_bytes_on_every_request_and_names_their_digest(
    site: Site, ledger: Ledger
) -> None:
    first, second = (httpx.get(f"{site.url}/verifier.html") for _ in range(2))
    assert first.content == second.content
    sha = base64.b64encode(hashlib.sha256(first.content).digest()).decode()
    assert first.headers["repr-digest"] == f"sha-256=:{sha}:"
    saved_as = 'attachment; filename="periplus-verifier.html"'
    assert first.headers["content-disposition"] == saved_as
    assert first.headers["content-type"] == "text/html; charset=utf-8"
    html = first.text
    # No key and no address of this deployment: the same file for every site of a release.
    assert str(ledger.signer.verifier) not in html
    assert str(SOURCE_SIGNER.verifier) not in html
    assert site.url not in html
    assert "127.0.0.1" not in html
    # Its own policy runs exactly its inline script and style, by their hashes.
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
    assert policy is not None
    directives = dict(d.strip().split(" ", 1) for d in policy.group(1).split(";"))
    assert directives["default-src"] == "'none'"
    assert directives["connect-src"] == "http: https:"
    for kind in ("script", "style"):
        (inline,) = re.findall(rf"<{kind}>(.*?)</{kind}>", html, re.S)
        digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
        assert directives[f"{kind}-src"] == f"'sha256-{digest}'"


def test_the_file_is_the_same_bytes_whatever_the_locale_the_service_runs_in(site: Site) -> None:
    served = httpx.get(f"{site.url}/verifier.html").headers["repr-digest"]
    # A service started in the C locale, with neither UTF-8 mode nor locale coercion.
    ascii_only = {**os.environ, "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}
    built = subprocess.run(
        [
            sys.executable,
            "-c",
            "from notifier.publish.routes.verifier import digest, standalone\n"
            "print(digest(standalone()))",
        ],
        env=ascii_only,
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stderr
    assert built.stdout.strip() == served


def test_a_kept_copy_verifies_an_entry_from_disk(
    browser: Browser, database_url: str, ledger: Ledger, tmp_path: Path
) -> None:
    lines = (log_line(ledger), f"witness w1 {WITNESS.key}", "quorum w1")
    policy = policy_file(tmp_path, *lines)
    with (
        cosigning(ledger, [WITNESS]) as stand_in,
        pinning_notifier(database_url, ledger, policy, stand_in) as site,
    ):
        path = _kept_copy(site, tmp_path)
        page, errors = _open(browser, path)
        assert page.title() == "Periplus verifier"
        result, words = _check(page, site.url, "\n".join(lines), str(SOURCE_SIGNER.verifier), "2")
        assert result == "ok", words
        assert words.splitlines() == [
            "✓ Verified: entry 2 is in the ledger of 6 entries signed by periplus.test/ledger.",
            "The checkpoint of 6 entries is signed by periplus.test/ledger with a key of your "
            "trust policy.",
            "Cosigned by witness.example/w1, as the trust policy requires.",
            "The inclusion proof leads from entry 2 to the root of that checkpoint.",
            f"Signed by its source, demo-city/trips-api (key {key_id(SOURCE_SIGNER)}).",
            "Checked with the keys you gave, none taken from the site.",
        ]
        facts = page.locator("#facts").inner_text()
        assert TRIP in facts
        assert "(trip.completed)" in facts
        assert "MVD-2026-0021" in facts
        screenshot(page, "standalone-verified", tmp_path)

        # A trip page's entry address names the site and the index; words follow the picker.
        page.fill("#site", "")
        page.select_option("#lang", "fr")
        page.fill("#entry", f"{site.url}/trips/{TRIP}#entry-4")
        page.click("#verify")
        page.locator("#verdict[data-result]").wait_for(timeout=15_000)
        verdict = page.locator("#verdict").inner_text()
        assert verdict.startswith("✓ Vérifié\xa0: l'entrée 4 figure dans le registre"), verdict
        assert page.locator("#site").input_value() == site.url
        assert errors == []


def test_a_wrong_log_key_is_refused_with_its_reason(
    browser: Browser, site: Site, ledger: Ledger, tmp_path: Path
) -> None:
    page, errors = _open(browser, _kept_copy(site, tmp_path))
    impostor = Signer(ledger.settings.origin, STRANGER)
    policy = f"log {impostor.verifier}\nquorum none\n"
    result, words = _check(page, site.url, policy, str(SOURCE_SIGNER.verifier), "1")
    assert result == "fail"
    assert words.splitlines()[0] == (
        f"✗ Not verified: the checkpoint of periplus.test/ledger is signed with key "
        f"{key_id(ledger.signer)}, but the key in use is {key_id(impostor)}; a checkpoint "
        "signed by any other key is refused."
    )
    assert page.locator("#record").is_hidden()
    # Without the source's key the entry is in the log, and still not verified.
    result, words = _check(page, site.url, f"{log_line(ledger)}\nquorum none", "", "1")
    assert result == "fail"
    assert words.splitlines()[0] == (
        "✗ Not verified: no key of its source, demo-city/trips-api, is in use."
    )
    screenshot(page, "standalone-refused", tmp_path)
    assert errors == []


def test_a_copy_on_a_site_of_ones_own_keeps_the_keys_until_forgotten(
    browser: Browser, site: Site, ledger: Ledger, tmp_path: Path
) -> None:
    """Hosted (here by a server of the reader's own, another origin than the site's), the
    file keeps the address and the keys in that browser."""
    copy = FastAPI()
    body = _kept_copy(site, tmp_path).read_bytes()

    @copy.get("/periplus-verifier.html")
    def kept() -> Response:
        return Response(body, media_type="text/html; charset=utf-8")

    with Server(copy) as own:
        address = f"{own.url}/periplus-verifier.html"
        context = browser.new_context()
        page = context.new_page()
        page.goto(address)
        page.fill("#site", site.url)
        page.fill("#policy", f"{log_line(ledger)}\nquorum none")
        page.fill("#sources", str(SOURCE_SIGNER.verifier))
        page.click("#save")
        assert "kept in this browser" in page.locator("#status").inner_text()
        again = context.new_page()
        again.goto(address)
        assert again.locator("#site").input_value() == site.url
        assert again.locator("#sources").input_value() == str(SOURCE_SIGNER.verifier)
        again.fill("#entry", "0")
        again.click("#verify")
        again.locator("#verdict[data-result]").wait_for(timeout=15_000)
        assert again.locator("#verdict").get_attribute("data-result") == "ok"
        again.click("#forget")
        again.reload()
        assert again.locator("#policy").input_value() == ""
        context.close()


def test_a_copy_opened_from_disk_keeps_no_keys_and_fills_in_none_planted(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    """Every file a browser opens from disk shares one storage: another file there could
    plant keys of its own for the verifier to fill in. From disk it keeps and reads none,
    and says why."""
    path = _kept_copy(site, tmp_path)
    planter = tmp_path / "planter.html"
    planted = {
        "site": site.url,
        "policy": "log forger+00000000+AQ==",
        "sources": "forger",
        "lang": "constructor",  # a name every object has, no language
    }
    planter.write_text(
        "<script>localStorage.setItem('periplus.verifier', JSON.stringify("
        f"{json.dumps(planted)}));</script>"
    )
    context = browser.new_context()
    page = context.new_page()
    page.goto(planter.as_uri())
    assert page.evaluate("localStorage.getItem('periplus.verifier')") is not None
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    assert (page.locator("#lang").input_value(), errors) == ("en", [])
    assert [page.locator(f"#{f}").input_value() for f in ("site", "policy", "sources")] == [
        "",
        "",
        "",
    ]
    assert page.locator("#save").is_hidden()
    assert page.locator("#forget").is_hidden()
    assert "keeps no keys" in page.locator("#status").inner_text()
    context.close()


def test_only_the_verify_windows_are_readable_from_other_origins(site: Site) -> None:
    for path in (
        "/v1/verify/checkpoint",
        "/v1/verify/entries?start=0&end=1",
        "/v1/verify/proof/inclusion?index=0&tree_size=6",
        "/v1/verify/keys",
        "/v1/verify/entries?start=5&end=1",  # refused, and still readable
    ):
        answer = httpx.get(f"{site.url}{path}", headers={"Origin": "null"})
        assert answer.headers.get("access-control-allow-origin") == "*", path
        assert "access-control-allow-credentials" not in answer.headers
    for path in ("/v1/quarantine", f"/trips/{TRIP}", "/verifier.html", "/static/verify.js", "/"):
        answer = httpx.get(f"{site.url}{path}", headers={"Origin": "null"})
        assert answer.status_code == 200, path
        assert "access-control-allow-origin" not in answer.headers, path
    posted = httpx.post(f"{site.url}/v1/verify/checkpoint", headers={"Origin": "null"})
    assert posted.status_code == 405
    assert "access-control-allow-origin" not in posted.headers
    preflight = httpx.options(
        f"{site.url}/v1/verify/checkpoint",
        headers={"Origin": "null", "Access-Control-Request-Method": "GET"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_a_withheld_entry_verifies_with_the_ledgers_notice_and_key(
    browser: Browser, site: Site, ledger: Ledger, tmp_path: Path
) -> None:
    with Session(ledger.engine) as session:
        assert withhold(session, 3, "A witness", "Law 18.381", ledger.own_signer) == 6
        session.commit()
        sign_checkpoint(session, ledger.signer)
        session.commit()
    page, errors = _open(browser, _kept_copy(site, tmp_path))
    policy = f"{log_line(ledger)}\nquorum none"
    # The ledger's key under its source's name, as the trip pages list it, vouches for notices.
    keys = f"{SOURCE_SIGNER.verifier}\n{ledger.own_signer.verifier}"
    result, words = _check(page, site.url, policy, keys, "3")
    assert result == "ok", words
    assert "Its content is withheld under law" in words
    assert page.locator("#record").is_hidden()
    result, words = _check(page, site.url, policy, str(SOURCE_SIGNER.verifier), "3")
    assert result == "fail"
    assert words.splitlines()[0] == (
        "✗ Not verified: the ledger's notice of this withholding (entry 6) is refused: no key "
        f"of its source, {ledger.settings.own_source}, is in use."
    )
    assert errors == []


def test_the_ledgers_notice_that_it_moved_past_a_seq_verifies_as_ledger_verify_takes_it(
    browser: Browser, site: Site, ledger: Ledger, tmp_path: Path
) -> None:
    """``ledger resolve``'s public notice is the ledger's word, as a withholding is: signed by
    the log key under its own source's name, it verifies; under a city's name it does not."""
    notice = with_a_resolved_seq(ledger)
    report = verify_log(ledger.url, proofs=-1, sources=SourceKeys.configured(SOURCE_KEYS))
    assert (report.size, report.signatures_checked) == (notice + 2, notice + 2)
    page, errors = _open(browser, _kept_copy(site, tmp_path))
    policy = f"{log_line(ledger)}\nquorum none"
    keys = f"{SOURCE_SIGNER.verifier} 1-\n{ledger.own_signer.verifier}"
    result, words = _check(page, site.url, policy, keys, str(notice))
    assert result == "ok", words
    own = ledger.settings.own_source
    assert f"Signed by its source, {own} (key {key_id(ledger.own_signer)})." in words
    facts = page.locator("#facts").inner_text()
    assert "The ledger moved past an event it could not take (source.seq_resolved)" in facts
    assert RESOLVED in facts
    screenshot(page, "standalone-seq-resolved", tmp_path)
    # The same words in a city's name, signed by its key, are no notice of the ledger.
    forged = sources.sign(
        SOURCE_SIGNER,
        seq=9,
        type_="source.seq_resolved",
        trip_id=sources.NO_TRIP,
        data={"source": SOURCE_SIGNER.name, "seq": 10, "reason": "the city may not say so"},
    )
    ledger.append([forged])
    result, words = _check(page, site.url, policy, keys, str(notice + 2))
    assert (result, words.splitlines()[0]) == (
        "fail",
        f"✗ Not verified: only the ledger ({own}) may state its notices (withholdings, seqs "
        f"it moved past), but this one comes from {SOURCE_SIGNER.name}.",
    )
    assert errors == []


def test_a_source_key_given_without_its_seqs_is_warned_of_in_every_language(
    browser: Browser, site: Site, ledger: Ledger, tmp_path: Path
) -> None:
    """A bare key (as ``/v1/events/key`` gives it) is trusted for every seq of its source:
    the page says so under the field; the ledger's own line, under the log key, needs none."""
    page, errors = _open(browser, _kept_copy(site, tmp_path))
    page.fill("#policy", f"{log_line(ledger)}\nquorum none")
    warning = page.locator("#unranged")
    page.fill("#sources", f"{SOURCE_SIGNER.verifier}\n{ledger.own_signer.verifier}")
    warning.wait_for(state="visible", timeout=15_000)
    named = f"{SOURCE_SIGNER.name}+{key_id(SOURCE_SIGNER)}"
    assert warning.inner_text() == (
        f"⚠ No seqs follow {named}: this page trusts such a key for every seq of its source. "
        "If the source changed its key, a retired key (the one most likely to have leaked) "
        "would vouch for events numbered after it was retired, and a new key for events from "
        "before it took over. Write the seqs after each key as a trip page's list of keys "
        "shows them: “<key> 1-” for a key in use since the first seq."
    )
    assert ledger.settings.own_source not in warning.inner_text()
    screenshot(page, "standalone-unranged-key", tmp_path)
    for lang, start in [("es", "⚠ Ninguna"), ("fr", "⚠ Aucun"), ("pt", "⚠ Nenhuma")]:
        page.select_option("#lang", lang)
        expect(warning).to_have_text(re.compile(f"^{start} .*{re.escape(named)}"), timeout=15_000)
    page.select_option("#lang", "en")
    # Verified all the same: the warning is about the key's reach, not this entry.
    page.fill("#site", site.url)
    page.fill("#entry", "2")
    result, words = _verdict(page)
    assert result == "ok", words
    page.fill("#sources", f"{SOURCE_SIGNER.verifier} 1-\n{ledger.own_signer.verifier}")
    warning.wait_for(state="hidden", timeout=15_000)
    assert errors == []


@contextmanager
def answering(
    site: Site, path: str, body: Callable[[], AsyncIterator[bytes]]
) -> Iterator[tuple[str, threading.Event]]:
    """A site that serves ``path`` from ``body`` and relays every other request to ``site``,
    readable from anywhere as the notifier's are; and the event set once ``path`` is asked."""
    app = FastAPI()
    asked = threading.Event()
    cors = {"access-control-allow-origin": "*"}

    @app.get("/{rest:path}")
    def relayed(rest: str, request: Request) -> Response:
        if f"/{rest}" == path:
            asked.set()
            return StreamingResponse(body(), media_type="text/plain", headers=cors)
        answer = httpx.get(f"{site.url}/{rest}", params=request.query_params)
        kind = answer.headers["content-type"]
        return Response(answer.content, answer.status_code, headers=cors, media_type=kind)

    with Server(app) as server:
        yield server.url, asked


async def dripping() -> AsyncIterator[bytes]:
    """A byte now and then, never the end."""
    while True:
        yield b"x"
        await asyncio.sleep(0.2)


async def flooding() -> AsyncIterator[bytes]:
    """A mebibyte after another, never the end."""
    while True:
        yield b" " * (1 << 20)
        await asyncio.sleep(0)


@pytest.mark.parametrize("body", [dripping, flooding], ids=["drip", "flood"])
def test_a_site_that_never_ends_its_answer_is_refused(
    browser: Browser,
    site: Site,
    ledger: Ledger,
    tmp_path: Path,
    body: Callable[[], AsyncIterator[bytes]],
) -> None:
    with answering(site, "/v1/verify/checkpoint", body) as (hostile, asked):
        page = browser.new_page()
        page.clock.install()
        page.goto(_kept_copy(site, tmp_path).as_uri())
        page.fill("#site", hostile)
        page.fill("#policy", f"{log_line(ledger)}\nquorum none")
        page.fill("#sources", str(SOURCE_SIGNER.verifier))
        page.fill("#entry", "2")
        page.click("#verify")
        assert asked.wait(timeout=15)
        verdict = page.locator("#verdict[data-result]")
        if body is dripping:
            # Half a minute passes on the page's clock, and the answer has not ended.
            page.wait_for_timeout(1000)
            assert page.locator("#verdict").inner_text() == "Checking…"
            page.clock.run_for(31_000)
        verdict.wait_for(timeout=15_000)
        assert verdict.get_attribute("data-result") == "fail"
        assert page.locator("#verdict").inner_text().splitlines()[0] == (
            "✗ Not verified: the ledger could not be reached."
        )
        assert page.locator("#verify").is_enabled()
        page.close()


async def nothing() -> AsyncIterator[bytes]:
    """JSON, and of no shape an answer of entries has."""
    yield b"null"


def test_an_answer_of_no_shape_a_check_expects_fails_in_plain_words(
    browser: Browser, site: Site, ledger: Ledger, tmp_path: Path
) -> None:
    with answering(site, "/v1/verify/entries", nothing) as (hostile, asked):
        page = browser.new_page()
        page.goto(_kept_copy(site, tmp_path).as_uri())
        result, words = _check(
            page, hostile, f"{log_line(ledger)}\nquorum none", str(SOURCE_SIGNER.verifier), "2"
        )
        assert asked.is_set()
        assert (result, words.splitlines()[0]) == (
            "fail",
            "✗ Not verified: the site's answer cannot be read.",
        )
        page.close()


def _receipt(site: Site, index: int, tmp_path: Path, name: str = "entry.tlog-proof") -> Path:
    """The receipt of entry ``index`` as a trip page offers it, kept as a file."""
    answer = httpx.get(f"{site.url}/v1/verify/receipt", params={"index": index})
    assert answer.status_code == 200, answer.text
    assert answer.text.startswith("c2sp.org/tlog-proof@v1\nextra ")
    path = tmp_path / name
    path.write_bytes(answer.content)
    return path


def _check_receipt(page: Page, receipt: Path, policy: str, sources: str) -> tuple[str, str]:
    """Check ``receipt`` with no site address and no entry given."""
    page.fill("#site", "")
    page.fill("#entry", "")
    page.set_input_files("#receipt", receipt)
    page.fill("#policy", policy)
    page.fill("#sources", sources)
    return _verdict(page)


def _offline(browser: Browser, path: Path) -> tuple[Page, list[str], list[str]]:
    """The kept copy opened from disk, every request it would make after that refused and
    recorded."""
    page, errors = _open(browser, path)
    asked: list[str] = []

    def refuse(route: Route) -> None:
        asked.append(route.request.url)
        route.abort()

    page.route("**/*", refuse)
    return page, errors, asked


def test_a_kept_copy_verifies_a_receipt_with_no_network(
    browser: Browser, site: Site, ledger: Ledger, tmp_path: Path
) -> None:
    receipt = _receipt(site, 2, tmp_path)
    page, errors, asked = _offline(browser, _kept_copy(site, tmp_path))
    result, words = _check_receipt(
        page, receipt, f"{log_line(ledger)}\nquorum none", str(SOURCE_SIGNER.verifier)
    )
    assert result == "ok", words
    assert words.splitlines() == [
        "✓ Verified: entry 2 is in the ledger of 6 entries signed by periplus.test/ledger.",
        "The checkpoint of 6 entries is signed by periplus.test/ledger with a key of your "
        "trust policy.",
        "The trust policy in use asks for no witness cosignature.",
        "The inclusion proof leads from entry 2 to the root of that checkpoint.",
        f"Signed by its source, demo-city/trips-api (key {key_id(SOURCE_SIGNER)}).",
        "Checked from the receipt with the keys you gave, with no network at all.",
    ]
    facts = page.locator("#facts").inner_text()
    assert TRIP in facts
    assert "MVD-2026-0021" in facts
    screenshot(page, "standalone-receipt-verified", tmp_path)

    # A witness cosigns the receipt's checkpoint; a policy that asks for it is met.
    text = receipt.read_text()
    note = text[text.index("\n\n") + 2 :]
    cosigned = tmp_path / "cosigned.tlog-proof"
    cosigned.write_text(text + WITNESS.cosign(note[: note.index("\n\n") + 1]))
    witnessed = f"{log_line(ledger)}\nwitness w1 {WITNESS.key}\nquorum w1"
    result, words = _check_receipt(page, cosigned, witnessed, str(SOURCE_SIGNER.verifier))
    assert result == "ok", words
    assert "Cosigned by witness.example/w1, as the trust policy requires." in words.splitlines()
    # Without the cosignature, that policy's quorum is not met.
    result, words = _check_receipt(page, receipt, witnessed, str(SOURCE_SIGNER.verifier))
    assert (result, words.splitlines()[0]) == (
        "fail",
        "✗ Not verified: no witness of the trust policy cosigned the checkpoint, so it does "
        "not meet the quorum “w1”.",
    )
    assert asked == []
    assert errors == []


def _other_hash(text: str) -> str:
    """The receipt with its first proof hash replaced by another."""
    lines = text.split("\n")
    at = next(i for i, line in enumerate(lines) if line.startswith("index ")) + 1
    lines[at] = base64.b64encode(hashlib.sha256(lines[at].encode()).digest()).decode()
    return "\n".join(lines)


def _other_trip(text: str) -> str:
    """The receipt with its leaf made to name another trip."""
    _, extra, rest = text.split("\n", 2)
    leaf = base64.b64decode(extra.removeprefix("extra "))
    assert TRIP.encode() in leaf
    changed = leaf.replace(TRIP.encode(), OTHER.encode())
    return f"c2sp.org/tlog-proof@v1\nextra {base64.b64encode(changed).decode()}\n{rest}"


def _no_extra(text: str) -> str:
    """The receipt without its leaf bytes, as for an entry withheld under law."""
    lines = text.split("\n")
    return "\n".join([lines[0], *lines[2:]])


def _padded_index(text: str) -> str:
    """The receipt with its index written with a leading zero."""
    return text.replace("\nindex 2\n", "\nindex 02\n", 1)


PROOF = "the inclusion proof does not lead to the signed root"


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (_other_hash, PROOF),
        (_other_trip, PROOF),
        (
            _no_extra,
            "the receipt carries none of the entry's bytes (no extra line), so its content "
            "cannot be checked",
        ),
        (_padded_index, "line 3 of the receipt cannot be read"),
    ],
    ids=["proof-hash", "leaf", "no-extra", "index"],
)
def test_a_changed_receipt_is_refused_with_its_reason(
    browser: Browser,
    site: Site,
    ledger: Ledger,
    tmp_path: Path,
    change: Callable[[str], str],
    reason: str,
) -> None:
    receipt = _receipt(site, 2, tmp_path)
    changed = tmp_path / "changed.tlog-proof"
    changed.write_text(change(receipt.read_text()))
    page, errors, asked = _offline(browser, _kept_copy(site, tmp_path))
    policy = f"{log_line(ledger)}\nquorum none"
    result, words = _check_receipt(page, changed, policy, str(SOURCE_SIGNER.verifier))
    assert (result, words.splitlines()) == (
        "fail",
        [
            f"✗ Not verified: {reason}.",
            "Checked from the receipt with the keys you gave, with no network at all.",
        ],
    )
    assert page.locator("#record").is_hidden()
    assert (asked, errors) == ([], [])


def test_a_receipt_under_a_policy_naming_another_log_key_is_refused(
    browser: Browser, site: Site, ledger: Ledger, tmp_path: Path
) -> None:
    receipt = _receipt(site, 2, tmp_path)
    page, errors, asked = _offline(browser, _kept_copy(site, tmp_path))
    impostor = Signer(ledger.settings.origin, STRANGER)
    policy = f"log {impostor.verifier}\nquorum none\n"
    result, words = _check_receipt(page, receipt, policy, str(SOURCE_SIGNER.verifier))
    assert (result, words.splitlines()[0]) == (
        "fail",
        f"✗ Not verified: the checkpoint of periplus.test/ledger is signed with key "
        f"{key_id(ledger.signer)}, but the key in use is {key_id(impostor)}; a checkpoint "
        "signed by any other key is refused.",
    )
    assert (asked, errors) == ([], [])
    # Removed, the receipt is no longer checked: the page asks the site (and is refused here).
    page.click("#drop")
    assert page.locator("#drop").is_hidden()
    page.fill("#site", site.url)
    page.fill("#entry", "2")
    page.click("#verify")
    page.locator("#verdict[data-result]").wait_for(timeout=15_000)
    assert page.locator("#verdict").inner_text().splitlines()[0] == (
        "✗ Not verified: the ledger could not be reached."
    )
    assert asked == [f"{site.url}/v1/verify/keys"]
