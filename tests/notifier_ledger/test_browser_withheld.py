"""The verify button on an entry withheld under law, in headless Chromium: an empty leaf
with its true hash verifies only with the ledger's public notice, proven against the same
checkpoint, signed by the log key and naming the entry and its leaf hash. Also: the
checkpoint is read as strictly as C2SP signed-note and tlog-checkpoint say.

Screenshots go to ``PERIPLUS_SCREENSHOTS`` (a directory) when it is set.
"""

import base64
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Route
from sqlalchemy import update
from sqlmodel import Session, col

from ledger.log.models import Entry, Withholding
from ledger.log.service import sign_checkpoint
from ledger.log.withhold import withhold
from ledger.testing import Ledger
from ledger.testing import serve as serve_ledger
from notifier import state
from notifier.publish.models import LoggedEntry
from notifier.testing import SOURCE_SIGNER, Site, life, numbered, screenshot, serve
from periplus import merkle, sources
from periplus.events import Envelope
from periplus.note import Signer
from tests.notifier_ledger.browser import STRANGER, open_page, verify

# What this module checks is the same on every database; it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

TRIP = str(uuid.UUID(int=41))
HONEST, NOTICE, QUIET = 3, 5, 2  # withheld in public, its notice; withheld quietly
LEDGER_NAME = "periplus.test/ledger"


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A whole trip (entries 0 to 4) whose report (3) is withheld in public (notice 5)."""
    with serve_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as running:
        running.append(numbered(life(TRIP, "MVD-2026-0041")))
        with Session(running.engine) as session:
            assert (
                withhold(session, HONEST, "A witness", "Law 18.381", running.own_signer) == NOTICE
            )
            session.commit()
            sign_checkpoint(session, running.signer)
            session.commit()
        yield running


@pytest.fixture
def site(database_url: str, ledger: Ledger) -> Iterator[Site]:
    for running in serve(database_url, ledger_url=ledger.url):
        assert state.of(running.app).ingestor.catch_up() == 6
        yield running


def _withhold_quietly(ledger: Ledger, site: Site, notice_index: int) -> None:
    """Blank entry 2 in the ledger's database as if withheld, with no notice of its own,
    and show it withheld on the page, as a notifier misled or at fault would."""
    with Session(ledger.engine) as session:
        session.execute(update(Entry).where(col(Entry.index) == QUIET).values(leaf=b""))
        held = session.get(Withholding, QUIET) or Withholding(
            index=QUIET,
            reason="none",
            legal_basis="none",
            notice_index=notice_index,
            withheld_at=datetime.now(UTC),
        )
        held.notice_index = notice_index
        session.add(held)
        session.commit()
    with Session(site.app.state.engine) as session:
        shown = session.get(LoggedEntry, QUIET)
        assert shown is not None
        shown.type, shown.occurred_at = "withheld", ""
        shown.event = {"withheld": {"reason": "none", "legal_basis": "none"}}
        session.add(shown)
        session.commit()


def _leaf_hash(ledger: Ledger, index: int) -> str:
    leaf = base64.b64decode(
        ledger.get("/v1/log/entries", start=index, end=index + 1).json()["entries"][0]["leaf"]
    )
    return merkle.leaf_hash(leaf).hex()


def _notice(signer: Signer, seq: int, index: int, leaf_hash: str) -> Envelope:
    data = {"index": index, "leaf_hash": leaf_hash, "reason": "none", "legal_basis": "none"}
    return sources.sign(signer, seq=seq, type_="entry.withheld", trip_id=uuid.UUID(TRIP), data=data)


def test_an_entry_withheld_with_its_public_notice_verifies(
    browser: Browser, site: Site, tmp_path: Path
) -> None:
    page, errors = open_page(browser, f"{site.url}/trips/{TRIP}")
    assert page.locator(f'button.verify[data-index="{HONEST}"]').get_attribute("data-type") == (
        "withheld"
    )
    result, words = verify(page, HONEST)
    assert result == "ok", words
    assert words.splitlines() == [
        f"✓ Verified: entry {HONEST} is in the ledger of 6 entries signed by {LEDGER_NAME}.",
        "The trust policy in use asks for no witness cosignature.",
        "Its content is withheld under law; only its place in the ledger is proven, by its hash.",
        "Checked with the keys this site pins.",
    ]
    screenshot(page, "withheld-with-notice", tmp_path)
    assert errors == []


def test_an_entry_blanked_without_a_notice_fails_in_every_language(
    browser: Browser, site: Site, ledger: Ledger, tmp_path: Path
) -> None:
    # The ledger points at the notice of another entry: it names entry 3, not entry 2.
    _withhold_quietly(ledger, site, NOTICE)
    for lang, reason in [
        (
            "en",
            "✗ Not verified: the ledger withholds this entry's content with no public notice in "
            "the ledger that names this entry and its hash.",
        ),
        (
            "es",
            "✗ No verificado: el registro retiene el contenido de esta entrada sin ningún aviso "
            "público en el registro que nombre esta entrada y su hash.",
        ),
        (
            "fr",
            "✗ Non vérifié\xa0: le registre retient le contenu de cette entrée sans aucun avis "
            "public dans le registre qui nomme cette entrée et son empreinte.",
        ),
        (
            "pt",
            "✗ Não verificado: o registro retém o conteúdo desta entrada sem nenhum aviso "
            "público no registro que nomeie esta entrada e o seu hash.",
        ),
    ]:
        page, errors = open_page(browser, f"{site.url}/trips/{TRIP}?lang={lang}")
        result, words = verify(page, QUIET)
        assert result == "fail"
        assert words.splitlines()[0] == reason
        if lang == "en":
            screenshot(page, "withheld-without-notice", tmp_path)
        # The entry withheld in public still verifies beside it.
        assert verify(page, HONEST)[0] == "ok"
        assert errors == []


def test_only_a_signed_notice_in_the_checkpoint_that_names_the_entry_counts(
    browser: Browser, site: Site, ledger: Ledger
) -> None:
    leaf_hash = _leaf_hash(ledger, QUIET)
    own = ledger.own_signer
    unsigned = Envelope(
        spec="periplus.event/1",
        id=uuid.uuid4(),
        source=own.name,
        seq=4,
        type="entry.withheld",
        trip_id=uuid.UUID(TRIP),
        occurred_at="2026-05-01T09:00:00Z",
        data={"index": QUIET, "leaf_hash": leaf_hash, "reason": "none", "legal_basis": "none"},
    )
    # Notices of entry 2, logged by source then seq; Ledger.append skips the ledger's checks.
    ledger.append(
        [
            _notice(SOURCE_SIGNER, 6, QUIET, leaf_hash),  # 6: the city speaks for the ledger
            _notice(Signer(own.name, STRANGER), 2, QUIET, leaf_hash),  # 7: not the log key
            _notice(own, 3, QUIET, "00" * 32),  # 8: another leaf hash
            unsigned,  # 9
            _notice(own, 5, QUIET, leaf_hash),  # 10: a true notice
        ]
    )
    ledger.append([_notice(own, 6, QUIET, leaf_hash)], checkpoint=False)  # 11: not yet signed
    notice = "the ledger's notice of this withholding"
    key = Signer(own.name, STRANGER).verifier.key_id.hex()
    _withhold_quietly(ledger, site, NOTICE)
    page, errors = open_page(browser, f"{site.url}/trips/{TRIP}")
    # Each time, the ledger points the withholding at another entry of the log.
    for at, reason in [
        (1, "the ledger withholds this entry's content with no public notice"),  # before it
        (4, "the ledger withholds this entry's content with no public notice"),  # no notice
        (
            6,
            f"{notice} (entry 6) is refused: only the ledger ({own.name}) may state its "
            "notices (withholdings, seqs it moved past), but this one comes from "
            f"{SOURCE_SIGNER.name}",
        ),
        (
            7,
            f"{notice} (entry 7) is refused: the entry is signed with key {key}, which is not "
            f"a key of {own.name} in use",
        ),
        (8, "the ledger withholds this entry's content with no public notice"),
        (9, f"{notice} (entry 9) carries no signature of the ledger"),
        (11, f"{notice} (entry 11) is not yet in a signed checkpoint"),
        (10, None),
    ]:
        _withhold_quietly(ledger, site, at)
        result, words = verify(page, QUIET)
        if reason is None:
            assert result == "ok", words
        else:
            assert result == "fail", (at, words)
            assert words.splitlines()[0].startswith(f"✗ Not verified: {reason}"), (at, words)
    assert errors == []


def test_the_checkpoint_is_read_as_strictly_as_signed_note_says(
    browser: Browser, site: Site
) -> None:
    """A note that Go's and Python's readers refuse is refused here too, before any key."""
    other = "\u2014 witness.example/w9 " + base64.b64encode(bytes(68)).decode() + "\n"
    changes = {
        "a signature by an unknown key": lambda note: note + other,
        "a key name with a plus": lambda note: note + other.replace("/w9", "/w+9"),
        "a tab in a key name": lambda note: note + other.replace("/w9", "/w\t9"),
        "base64 without padding": lambda note: note + other.replace("=", ""),
        "101 signatures": lambda note: note + other * 100,
        "a size with a leading zero": lambda note: note.replace("\n6\n", "\n06\n", 1),
        "an empty extension line": lambda note: note.replace("\n\n", "\n\next\n\n", 1),
        "a carriage return": lambda note: note.replace("\n", "\r\n", 1),
    }
    change = "a signature by an unknown key"

    def serve_changed(route: Route) -> None:
        answer = route.fetch()
        route.fulfill(response=answer, body=changes[change](answer.text()))

    page, errors = open_page(browser, f"{site.url}/trips/{TRIP}")
    page.route("**/v1/verify/checkpoint", serve_changed)
    assert verify(page, 0)[0] == "ok"
    for change in list(changes)[1:]:
        result, words = verify(page, 0)
        assert result == "fail", change
        assert words.splitlines()[0] == "✗ Not verified: the checkpoint is not a signed note.", (
            change
        )
    assert errors == []
