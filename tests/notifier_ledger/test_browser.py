"""The verify button in headless Chromium, entry by entry: it checks a real ledger's entries
with WebCrypto and names in plain words what fails (a source's signature, a proof, a
checkpoint, a page that shows otherwise than the signed record).
"""

import base64
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Route
from sqlmodel import Session

from ledger.log.service import sign_checkpoint
from ledger.log.withhold import withhold
from ledger.testing import Ledger
from ledger.testing import serve as serve_ledger
from notifier import state
from notifier.publish.models import LoggedEntry, TripView
from notifier.testing import SOURCE_SIGNER, Site, event, life, numbered, screenshot, serve
from periplus import sources
from periplus.events import Envelope
from periplus.note import Signer
from tests.notifier_ledger.browser import (
    OTHER,
    SOURCE_KEYS,
    STRANGER,
    TRIP,
    key_id,
    log_line,
    open_page,
    policy_file,
    show,
    verify,
    with_two_trips,
)

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")


@pytest.fixture
def ledger(ledger: Ledger) -> Ledger:
    return with_two_trips(ledger)


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
            f"Signed by its source, demo-city/trips-api (key {key_id(SOURCE_SIGNER)}).",
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
    show(site, (6, forged.to_json()), (7, altered.to_json()))
    page, _ = open_page(browser, f"{site.url}/trips/{TRIP}")
    result, words = verify(page, 6)
    assert result == "fail"
    assert words.splitlines()[0] == (
        f"✗ Not verified: the entry is signed with key {key_id(impostor)}, which is not a key "
        "of demo-city/trips-api in use."
    )
    result, words = verify(page, 7)
    assert result == "fail"
    assert words.splitlines()[0] == (
        "✗ Not verified: the signature does not verify under key "
        f"{key_id(SOURCE_SIGNER)} of demo-city/trips-api."
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
    show(site, (6, old.to_json()))
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


@pytest.mark.parametrize(
    ("total", "departure"),
    [("$400,000", "Mar 10, 2026"), ("€4,000.00", "Mar 10, 2026"), ("$4,000.00", "Oct 10, 2026")],
)
def test_the_same_digits_with_the_point_currency_or_month_moved_are_named(
    browser: Browser, site: Site, total: str, departure: str
) -> None:
    """Digits alone do not say an amount or a date: where the decimals start, which
    currency, which month are checked too."""
    page, errors = open_page(browser, f"{site.url}/trips/{TRIP}")
    row = "tr:has(button.verify[data-index='0'])"
    page.evaluate(
        """([row, total, departure]) => {
        document.querySelector(`${row} [data-fact="data.trip.budget_total"]`)
          .textContent = total;
        document.querySelector(`${row} [data-fact="data.trip.departure_date"]`)
          .textContent = departure;
      }""",
        [row, total, departure],
    )
    result, words = verify(page, 0)
    assert result == "fail"
    changed = "budgeted total" if departure == "Mar 10, 2026" else "departure date"
    assert f"the page shows the {changed} as" in words
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
            "trust_policy_file": policy_file(tmp_path, log_line(running), "quorum none"),
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
