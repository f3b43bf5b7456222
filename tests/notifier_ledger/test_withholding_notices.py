"""An entry is shown as withheld under law only on the ledger's signed word: its public
notice, in the signed tree, naming the entry and its leaf hash. Bytes the ledger withholds
now are never taken from an old announcement while the notifier is behind."""

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select, update

from ledger.log.models import Entry, Withholding
from ledger.log.service import announcement, sign_checkpoint
from ledger.log.withhold import withhold
from ledger.testing import Ledger
from ledger.testing import serve as serve_ledger
from notifier import state
from notifier.ingest import staging
from notifier.ingest.ingestor import Ingestor
from notifier.ingest.models import Quarantined
from notifier.ingest.reader import LedgerReader
from notifier.publish.models import LoggedEntry
from notifier.testing import Site, life, numbered, serve
from periplus.kafka import Record

TRIP = str(uuid.UUID(int=41))
REPORTED = "The pilot agreement was signed"  # the report, entry 3 of the trip's life


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with serve_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as running:
        running.append(numbered(life(TRIP, "MVD-2026-0041")))
        yield running


@pytest.fixture
def site(database_url: str, ledger: Ledger) -> Iterator[Site]:
    yield from serve(database_url, ledger_url=ledger.url)


def _shown(site: Site) -> dict[int, LoggedEntry]:
    with Session(site.app.state.engine) as session:
        return {e.index: e for e in session.exec(select(LoggedEntry))}


def _refused(site: Site) -> list[Quarantined]:
    with Session(site.app.state.engine) as session:
        return list(session.exec(select(Quarantined)))


def _quietly_withhold(ledger: Ledger, index: int, notice: int | None) -> None:
    """What a hostile ledger does: blank an entry and serve it as withheld, no notice made."""
    with Session(ledger.engine) as session:
        session.exec(update(Entry).where(col(Entry.index) == index).values(leaf=b""))
        if notice is not None:
            held = Withholding(
                index=index,
                reason="-",
                legal_basis="-",
                notice_index=notice,
                withheld_at=datetime.now(UTC),
            )
            session.add(held)
        session.commit()


def test_bytes_blanked_with_no_notice_are_refused_not_shown_as_withheld(
    ledger: Ledger, site: Site
) -> None:
    """And the entry after it, its source's next seq but one, is refused too, an alarm: no
    entry withheld in public holds the seq the blanked one did."""
    _quietly_withhold(ledger, 3, notice=None)
    assert state.of(site.app).ingestor.catch_up() == 3
    assert 3 not in _shown(site)
    refused, after = _refused(site)
    assert (refused.ledger_index, refused.raw) == (3, b"")
    assert "names no later notice" in refused.reason
    assert after.ledger_index == 4
    assert after.reason.startswith("alarm: seq 4 of ")
    assert "Withheld under law" not in httpx.get(f"{site.url}/trips/{TRIP}").text


def test_a_notice_that_names_another_entry_does_not_cover_the_blanked_one(
    ledger: Ledger, site: Site
) -> None:
    with Session(ledger.engine) as session:  # a real notice, for entry 2
        notice = withhold(session, 2, "A witness", "Act, art. 10", ledger.own_signer)
        session.commit()
        sign_checkpoint(session, ledger.signer)
        session.commit()
    _quietly_withhold(ledger, 3, notice=notice)  # pointed at the notice of entry 2
    state.of(site.app).ingestor.catch_up()
    shown = _shown(site)
    assert shown[2].type == "withheld"
    assert 3 not in shown
    refused, after = _refused(site)
    assert refused.ledger_index == 3
    assert (after.ledger_index, 4 in shown) == (4, False)  # seq 4 is accounted for by nothing
    assert f"entry {notice} is no notice of the ledger's that names this entry" in refused.reason


def test_a_notifier_behind_never_takes_withheld_bytes_from_an_old_announcement(
    ledger: Ledger, site: Site
) -> None:
    with Session(ledger.engine) as session:  # what the ledger announced as it appended
        records = [
            Record("entries", 0, e.index, *announcement(e.model_dump()))
            for e in session.exec(select(Entry).order_by(col(Entry.index)))
        ]
        withhold(session, 3, "A witness", "Act, art. 10", ledger.own_signer)  # later
        session.commit()
        sign_checkpoint(session, ledger.signer)
        session.commit()
    kept = state.of(site.app)
    with Session(kept.engine) as session:  # the announcements the broker still holds
        staging.stage(session, staging.read(records), 0)
        session.commit()
    reader = LedgerReader(ledger.url, httpx.Client())
    behind = Ingestor(kept.engine, reader, kept.ingestor.trust, batch=2)
    behind.catch_up(rounds=2)  # entries 0..3; the notice, entry 5, is two batches on
    assert _shown(site)[3].type == "withheld"
    assert REPORTED not in json.dumps(_shown(site)[3].event)
    assert REPORTED not in httpx.get(f"{site.url}/trips/{TRIP}").text
