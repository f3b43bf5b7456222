"""The pages in headless Chromium: the verify button checks a real ledger's entries with
the keys the deployment pins (or the reader's own), in plain words, with WebCrypto.
"""

import base64
import hashlib
import json
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from playwright.sync_api import Browser, Route
from sqlmodel import Session

from ledger.log.service import sign_checkpoint
from ledger.log.withhold import withhold
from ledger.testing import Ledger
from ledger.testing import serve as serve_ledger
from notifier import state
from notifier.ingest import service
from notifier.publish.models import LoggedEntry, TripView
from notifier.testing import (
    SOURCE_SIGNER,
    Site,
    event,
    life,
    numbered,
    screenshot,
    serve,
    snapshot,
)
from periplus import sources
from periplus.cosignature import Cosigner
from periplus.events import Envelope
from periplus.note import Signer
from periplus.testing import Server
from tests.notifier_ledger.browser import STRANGER, open_page, verify

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

TRIP = str(uuid.UUID(int=21))
OTHER = str(uuid.UUID(int=22))
SOURCE_KEYS = {SOURCE_SIGNER.name: [str(SOURCE_SIGNER.verifier)]}
WITNESS = Cosigner("witness.example/w1", Ed25519PrivateKey.from_private_bytes(bytes(range(40, 72))))
SECOND = Cosigner("witness.example/w2", Ed25519PrivateKey.from_private_bytes(bytes(range(80, 112))))


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A ledger holding one whole trip (entries 0 to 4) and another trip's approval (5)."""
    with serve_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as running:
        other = snapshot("MVD-2026-0022", country="BR", city="Rio de Janeiro", size=6, notice=4)
        events = [*life(TRIP, "MVD-2026-0021"), event("trip.approved", OTHER, {"trip": other})]
        running.append(numbered(events))
        yield running


def _policy(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / f"policy-{uuid.uuid4().hex[:8]}.txt"
    path.write_text("".join(f"{line}\n" for line in lines))
    return path


def _log(ledger: Ledger) -> str:
    return f"log {ledger.signer.verifier}"


@contextmanager
def _notifier(
    database_url: str, ledger: Ledger, policy: Path, ledger_url: str | None = None
) -> Iterator[Site]:
    """A notifier pinning ``policy`` and the samples' source key, caught up with the ledger."""
    trust: dict[str, Any] = {
        "trust_policy_file": policy,
        "source_keys": SOURCE_KEYS,
        "ledger_source": ledger.settings.own_source,
    }
    with contextmanager(serve)(database_url, ledger_url=ledger_url or ledger.url, **trust) as site:
        assert state.of(site.app).ingestor.catch_up() == 6
        yield site


@pytest.fixture
def site(database_url: str, ledger: Ledger, tmp_path: Path) -> Iterator[Site]:
    with _notifier(database_url, ledger, _policy(tmp_path, _log(ledger), "quorum none")) as site:
        yield site


@contextmanager
def _cosigning(ledger: Ledger, cosigners: list[Cosigner]) -> Iterator[str]:
    """A stand-in for the ledger whose checkpoint carries the cosignatures of ``cosigners``
    (as many as the list holds at each request)."""
    app = FastAPI()

    @app.get("/v1/log/checkpoint")
    def checkpoint() -> PlainTextResponse:
        note = ledger.get("/v1/log/checkpoint").text
        body = note[: note.index("\n\n") + 1]
        return PlainTextResponse(note + "".join(c.cosign(body) for c in cosigners))

    @app.get("/v1/log/{path:path}")
    def passed(path: str, request: Request) -> Response:
        answer = ledger.get(f"/v1/log/{path}", **request.query_params)
        kind = answer.headers["content-type"]
        return Response(answer.content, status_code=answer.status_code, media_type=kind)

    with Server(app) as server:
        yield server.url


def _sign_with_another_key(ledger: Ledger) -> Signer:
    """The log's next checkpoint signed by another key under the same name."""
    closing = sources.sign(
        SOURCE_SIGNER,
        seq=7,
        type_="trip.closed",
        trip_id=uuid.UUID(OTHER),
        data={"reference": "MVD-2026-0022"},
    )
    ledger.append([closing], checkpoint=False)
    signer = Signer(ledger.settings.origin, STRANGER)
    with Session(ledger.engine) as session:
        assert sign_checkpoint(session, signer) is not None
        session.commit()
    return signer


def _show(site: Site, *entries: tuple[int, dict[str, Any]]) -> None:
    """Put entries on the public pages behind the ingestion's back, as a faulty notifier would."""
    with Session(site.app.state.engine) as session:
        assert service.apply(session, entries) == len(entries)
        session.commit()


def _key_id(signer: Signer) -> str:
    return signer.verifier.key_id.hex()


def _fingerprint(vkey: str) -> str:
    digest = hashlib.sha256(vkey.encode()).hexdigest()
    return " ".join(digest[i : i + 4] for i in range(0, 64, 4))


def test_verify_shows_success_on_a_real_entry(browser: Browser, site: Site, tmp_path: Path) -> None:
    page, errors = open_page(browser, f"{site.url}/trips/{TRIP}")
    assert page.locator("button.verify").count() == 5
    for index in (0, 3):
        result, words = verify(page, index)
        assert result == "ok", words
        assert words.splitlines() == [
            f"✓ Verified: entry {index} is in the ledger of 6 entries signed by "
            "periplus.test/ledger.",
            "The trust policy in use asks for no witness cosignature.",
            f"Signed by its source, demo-city/trips-api (key {_key_id(SOURCE_SIGNER)}).",
            "What this page shows for it matches the signed record.",
            "Checked with the keys this site pins.",
        ]
    assert page.locator("#keys-in-use").inner_text() == (
        "The verify buttons use the keys this site pins."
    )
    screenshot(page, "trip-desktop", tmp_path)
    assert errors == []


def test_verify_speaks_the_pages_language(browser: Browser, site: Site, tmp_path: Path) -> None:
    page, errors = open_page(browser, f"{site.url}/trips/{TRIP}?lang=fr")
    result, words = verify(page, 1)
    assert result == "ok"
    assert words.splitlines()[0] == (
        "✓ Vérifié\xa0: l'entrée 1 figure dans le registre de 6 entrées signé par "
        "periplus.test/ledger."
    )
    assert "Signé par sa source, demo-city/trips-api" in words
    assert "Ce que cette page en affiche correspond à l'enregistrement signé." in words
    page.locator("#keys summary").click()
    screenshot(page, "trip-verified-fr", tmp_path)
    assert errors == []


def test_a_witness_cosignature_that_meets_the_quorum_passes(
    browser: Browser, database_url: str, ledger: Ledger, tmp_path: Path
) -> None:
    policy = _policy(tmp_path, _log(ledger), f"witness w1 {WITNESS.key}", "quorum w1")
    with (
        _cosigning(ledger, [WITNESS]) as stand_in,
        _notifier(database_url, ledger, policy, stand_in) as site,
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
        assert _fingerprint(str(WITNESS.key)) in keys
        assert "quorum “w1”" in keys
        assert errors == []


def test_a_checkpoint_without_the_quorum_is_refused(
    browser: Browser, database_url: str, ledger: Ledger, tmp_path: Path
) -> None:
    policy = _policy(tmp_path, _log(ledger), f"witness w1 {WITNESS.key}", "quorum w1")
    cosigners = [WITNESS]
    with (
        _cosigning(ledger, cosigners) as stand_in,
        _notifier(database_url, ledger, policy, stand_in) as site,
    ):
        page, errors = open_page(browser, f"{site.url}/trips/{TRIP}?lang=pt")
        # A reader's own policy that also asks for a second witness, in a group with w1.
        page.locator("#keys summary").click()
        both = [_log(ledger), f"witness w1 {WITNESS.key}", f"witness w2 {SECOND.key}"]
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
    other = _sign_with_another_key(ledger)
    page, _ = open_page(browser, f"{site.url}/trips/{TRIP}?lang=es")
    result, words = verify(page, 0)
    assert result == "fail"
    assert words.splitlines() == [
        "✗ No verificado: el punto de control de periplus.test/ledger está firmado con la "
        f"clave {_key_id(other)}, pero la clave en uso es {_key_id(ledger.signer)}; se "
        "rechaza un punto de control firmado con cualquier otra clave.",
        "Comprobado con las claves fijadas por este sitio.",
    ]
    screenshot(page, "trip-stale-key-es", tmp_path)


def test_an_entry_its_source_did_not_sign_fails(
    browser: Browser, site: Site, ledger: Ledger
) -> None:
    impostor = Signer(SOURCE_SIGNER.name, STRANGER)
    followup = {
        "reference": "MVD-2026-0021",
        "followup": {
            "id": "f1",
            "commitment": "Tender for ten buses",
            "owner_department": "Mobility",
            "due_date": "2026-06-30",
            "status": "done",
            "evidence": "Tender awarded",
        },
    }

    def signed(signer: Signer, seq: int) -> Envelope:
        return sources.sign(
            signer, seq=seq, type_="followup.updated", trip_id=uuid.UUID(TRIP), data=followup
        )

    forged = signed(impostor, 7)
    altered = signed(SOURCE_SIGNER, 8).model_copy(
        update={"data": {**followup, "reference": "MVD-2026-9999"}}
    )
    # Ledger.append skips the ledger's own checks: these reach the log as they are.
    ledger.append([forged, altered])
    # The notifier quarantines both; a faulty one shows them, and the browser still refuses.
    assert state.of(site.app).ingestor.catch_up() == 0
    _show(site, (6, forged.to_json()), (7, altered.to_json()))
    page, _ = open_page(browser, f"{site.url}/trips/{TRIP}")
    result, words = verify(page, 6)
    assert result == "fail"
    assert words.splitlines()[0] == (
        f"✗ Not verified: the entry is signed with key {_key_id(impostor)}, which is not a key "
        "of demo-city/trips-api in use."
    )
    result, words = verify(page, 7)
    assert result == "fail"
    assert words.splitlines()[0] == (
        "✗ Not verified: the signature does not verify under key "
        f"{_key_id(SOURCE_SIGNER)} of demo-city/trips-api."
    )


def test_an_unsigned_first_format_entry_is_a_warning_not_a_pass(
    browser: Browser, site: Site, ledger: Ledger
) -> None:
    old = Envelope(
        spec="periplus.event/1",
        id=uuid.uuid4(),
        source=SOURCE_SIGNER.name,
        seq=7,
        type="trip.closed",
        trip_id=uuid.UUID(TRIP),
        occurred_at="2026-05-01T09:00:00Z",
        data={"reference": "MVD-2026-0021"},
    )
    ledger.append([old])
    assert state.of(site.app).ingestor.catch_up() == 0  # the notifier shows only signed entries
    _show(site, (6, old.to_json()))
    page, _ = open_page(browser, f"{site.url}/trips/{TRIP}")
    result, words = verify(page, 6)
    assert result == "warn", words
    assert words.splitlines()[:3] == [
        "⚠ Partly verified: entry 6 is in the ledger of 7 entries signed by periplus.test/ledger.",
        "The trust policy in use asks for no witness cosignature.",
        "Warning: this entry carries no signature of its source. It is in the first format "
        "(periplus.event/1), from before sources signed, so only its place in the ledger is "
        "proven.",
    ]


def test_a_page_that_differs_from_the_signed_record_names_the_difference(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    # The notifier's read model is changed behind the ledger's back.
    with Session(site.app.state.engine) as session:
        approved = session.get(LoggedEntry, 0)
        assert approved is not None
        trip = approved.event["data"]["trip"]
        total = {**trip["budget_total"], "amount": "4500.00"}
        data = {**approved.event["data"], "trip": {**trip, "budget_total": total}}
        approved.event = {**approved.event, "data": data}
        view = session.get(TripView, TRIP)
        assert view is not None
        view.data = {**view.data, "trip": {**view.data["trip"], "title": "A week at the beach"}}
        session.add_all([approved, view])
        session.commit()
    page, errors = open_page(browser, f"{site.url}/trips/{TRIP}")
    result, words = verify(page, 0)
    assert result == "fail"
    assert words.splitlines()[0] == (
        "✗ Not verified: the page shows the budgeted total as $4,500.00, but the signed record "
        "says $4,000.00."
    )
    # The heading shows the latest snapshot, that of the amendment (entry 1).
    result, words = verify(page, 1)
    assert result == "fail"
    assert words.splitlines()[0] == (
        "✗ Not verified: the page shows the title as “A week at the beach”, but the signed "
        "record says “Study visit MVD-2026-0021”."
    )
    screenshot(page, "trip-differs-en", tmp_path)
    page.goto(f"{site.url}/trips/{TRIP}?lang=pt")
    result, words = verify(page, 0)
    assert words.splitlines()[0] == (
        "✗ Não verificado: a página indica que o total orçado é US$\xa04.500,00, mas o "
        "registro assinado diz US$\xa04.000,00."
    )
    assert errors == []


def test_an_amount_or_a_date_shown_otherwise_than_signed_is_named(
    browser: Browser, site: Site
) -> None:
    """The value a fact carries for the script may be right while the text beside it is not
    (a rendering fault, a page altered in a cache): the reader's text is what is checked."""
    page, errors = open_page(browser, f"{site.url}/trips/{TRIP}")
    result, _ = verify(page, 0)
    assert result == "ok"
    page.reload()
    shown = "button.verify[data-index='0']"
    row = f"tr:has({shown})"
    page.evaluate(
        """([row]) => {
        const cell = document.querySelector(`${row} [data-fact="data.trip.budget_total"]`);
        cell.textContent = "$40.00";
        document.querySelector(`${row} [data-fact="data.trip.departure_date"]`)
          .textContent = "Jan 1, 2030";
      }""",
        [row],
    )
    result, words = verify(page, 0)
    assert result == "fail"
    assert words.splitlines()[0] == (
        "✗ Not verified: the page shows the departure date as Jan 1, 2030, but the signed "
        "record says Mar 10, 2026; the page shows the budgeted total as $40.00, but the "
        "signed record says $4,000.00."
    )
    assert errors == []


def test_an_entry_that_is_another_trips_fails(browser: Browser, site: Site) -> None:
    page, _ = open_page(browser, f"{site.url}/trips/{TRIP}")
    # The page claims entry 5 (another trip's) is this trip's approval.
    page.evaluate(
        "document.querySelector('button.verify[data-index=\"0\"]').dataset.index = '5';"
        "document.getElementById('verdict-0').id = 'verdict-5';"
    )
    result, words = verify(page, 5)
    assert result == "fail"
    assert f"the page shows the trip as {TRIP}, but the signed record says {OTHER}" in words
    assert "the page shows the title as “Study visit MVD-2026-0021”" in words


def test_a_tampered_proof_fails(browser: Browser, site: Site) -> None:
    page = browser.new_page()

    def tamper(route: Route) -> None:
        answer = route.fetch()
        body = answer.json()
        first = bytearray(base64.b64decode(body["hashes"][0]))
        first[0] ^= 1
        body["hashes"][0] = base64.b64encode(bytes(first)).decode()
        route.fulfill(response=answer, json=body)

    page.route("**/v1/verify/proof/inclusion*", tamper)
    page.goto(f"{site.url}/trips/{TRIP}")
    result, words = verify(page, 2)
    assert result == "fail"
    assert words.splitlines()[0] == (
        "✗ Not verified: the inclusion proof does not lead to the signed root."
    )


def test_a_forged_checkpoint_fails(browser: Browser, site: Site) -> None:
    page = browser.new_page()

    def forge(route: Route) -> None:
        answer = route.fetch()
        origin, size, root, *rest = answer.text().split("\n")
        route.fulfill(response=answer, body="\n".join([origin, str(int(size) + 1), root, *rest]))

    page.route("**/v1/verify/checkpoint", forge)
    page.goto(f"{site.url}/trips/{TRIP}?lang=es")
    result, words = verify(page, 0)
    assert result == "fail"
    assert words.splitlines()[0] == (
        "✗ No verificado: la firma de periplus.test/ledger en el punto de control no es válida."
    )


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
        assert _fingerprint(vkey) in keys
        assert vkey in keys
    assert _key_id(ledger.signer) in keys
    assert "No witness cosignature is required (quorum none)." in keys
    assert "/v1/verify/key" not in html
    assert "/v1/log/key" not in html


def test_a_reader_can_check_with_their_own_keys(
    browser: Browser, site: Site, ledger: Ledger
) -> None:
    other = _sign_with_another_key(ledger)
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
    assert page.locator("#own-status").inner_text() == (
        "Your keys are kept in this browser and used for every check until you forget them."
    )
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
    policy = f"{_log(ledger)}\nquorum none"
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
    assert state.of(site.app).ingestor.catch_up() == 1
    page, _ = open_page(browser, f"{site.url}/trips/{TRIP}")
    assert page.locator('button.verify[data-index="3"]').get_attribute("data-type") == "withheld"
    result, words = verify(page, 3)
    assert result == "ok", words
    assert "entry 3 is in the ledger of 7 entries" in words
    assert "Its content is withheld under law" in words
    # The notice is the ledger's own, signed by the log key under its source's name.
    result, words = verify(page, notice)
    assert result == "ok", words
    assert f"Signed by its source, {ledger.settings.own_source} (key " in words


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


def test_a_corrected_cost_and_a_pending_change_verify_as_the_page_shows_them(
    browser: Browser, database_url: str, tmp_path: Path
) -> None:
    """The actual total a correction set is checked against that correction's signed
    ``data.completed``; a change waiting for a second approval is on the page and verifies."""
    trip = str(uuid.UUID(int=23))
    whole = life(trip, "MVD-2026-0023")
    completed = whole[2]["data"]
    refund = {**completed, "actual_total": {**completed["actual_total"], "amount": "3800.00"}}
    corrected = {
        "trip": whole[0]["data"]["trip"],
        "changes": [{"field": "actual_costs", "before": "4000.00", "after": "3800.00"}],
        "reason": "The hotel refunded one night.",
        "completed": refund,
    }
    pending = {
        "reference": "MVD-2026-0023",
        "kind": "amended",
        "fields": ["agenda"],
        "reason": "The host moved the depot visit.",
    }
    at = "2026-04-21T09:00:00.000Z"
    events = [
        *whole,
        event("trip.corrected", trip, corrected, at),
        event("trip.change_pending", trip, pending, at),
    ]
    with serve_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as running:
        running.append(numbered(events))
        trust: dict[str, Any] = {
            "trust_policy_file": _policy(tmp_path, _log(running), "quorum none"),
            "source_keys": SOURCE_KEYS,
            "ledger_source": running.settings.own_source,
        }
        with contextmanager(serve)(database_url, ledger_url=running.url, **trust) as site:
            assert state.of(site.app).ingestor.catch_up() == len(events)
            page, errors = open_page(browser, f"{site.url}/trips/{trip}")
            note = page.locator("p.pending").inner_text()
            assert note.startswith("A change waits for a second approval.")
            assert "It would change: agenda. Reason given: The host moved the depot visit." in note
            total = page.locator('[data-fact="data.completed.actual_total"]')
            assert total.get_attribute("data-entry") == "5"
            for index in (5, 6):
                result, words = verify(page, index)
                assert result == "ok", words
            assert errors == []
