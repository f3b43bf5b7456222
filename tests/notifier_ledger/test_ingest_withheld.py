"""Entries the ledger withholds under law: erased here too, and ingestion never stalls."""

import contextlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, col, select

from ledger.log.service import sign_checkpoint
from ledger.log.withhold import withhold
from ledger.testing import Ledger
from ledger.testing import serve as serve_ledger
from notifier import state
from notifier.channels.models import Notice
from notifier.channels.testing import Receiver
from notifier.publish.models import LoggedEntry, TripView
from notifier.testing import Site, life, numbered, serve
from periplus.testing import eventually

TRIP = str(uuid.UUID(int=31))
REASON = "Names a protected witness"
PRIVATE = {"allow_private_receivers": True}
DELIVERING = {
    "webhooks_enabled": True,
    "webhook_retry_schedule": [0.05] + [0.2] * 30,
    "webhook_poll_interval": 0.05,
    "webhook_timeout": 2.0,
}
site_at = contextlib.contextmanager(serve)


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    with serve_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as running:
        running.append(numbered(life(TRIP, "MVD-2026-0031")))
        yield running


@pytest.fixture
def site(database_url: str, ledger: Ledger) -> Iterator[Site]:
    yield from serve(database_url, ledger_url=ledger.url)


def _withhold(ledger: Ledger, index: int) -> int:
    with Session(ledger.engine) as session:
        notice = withhold(
            session, index, REASON, "Access to Information Act, art. 10", ledger.own_signer
        )
        session.commit()
        sign_checkpoint(session, ledger.signer)
        session.commit()
    return notice


def _entries(site: Site) -> dict[int, LoggedEntry]:
    with Session(site.app.state.engine) as session:
        rows = session.exec(select(LoggedEntry).order_by(col(LoggedEntry.index))).all()
        return {row.index: row for row in rows}


def test_an_entry_withheld_before_we_read_it_is_skipped_and_named(
    ledger: Ledger, site: Site
) -> None:
    notice = _withhold(ledger, 3)
    assert state.of(site.app).ingestor.catch_up() == 6
    entries = _entries(site)
    assert entries[3].type == "withheld"
    assert entries[3].trip_id == TRIP
    assert "data" not in entries[3].event
    assert entries[notice].type == "entry.withheld"
    with Session(site.app.state.engine) as session:
        view = session.get(TripView, TRIP)
        assert view is not None
        assert view.data.get("report") is None
        assert view.data["withheld"][0]["index"] == 3
        assert view.data["completed"]["actual_total"]["amount"] == "4000.00"
    page = httpx.get(f"{site.url}/trips/{TRIP}").text
    assert "An entry withheld under law" in page
    assert "Withheld under law" in page
    assert REASON in page
    assert "The pilot agreement was signed" not in page


def test_an_entry_withheld_after_we_read_it_is_erased_and_the_trip_folded_again(
    ledger: Ledger, site: Site
) -> None:
    assert state.of(site.app).ingestor.catch_up() == 5
    _withhold(ledger, 3)
    assert state.of(site.app).ingestor.catch_up() == 1
    entries = _entries(site)
    assert entries[3].type == "withheld"
    assert "report" not in str(entries[3].event)
    with Session(site.app.state.engine) as session:
        view = session.get(TripView, TRIP)
        assert view is not None
        assert view.data.get("report") is None
        assert view.data["trip"]["reference"] == "MVD-2026-0031"
        # The follow-up update (entry 4) still stands on its own.
        assert [f["id"] for f in view.data["followups"]] == ["f2"]
    feed = httpx.get(f"{site.url}/feed.json").json()
    assert "The pilot agreement was signed" not in str(feed)


def test_a_withheld_entry_leaves_no_copy_in_the_stream_or_the_webhooks(
    ledger: Ledger, site: Site
) -> None:
    assert state.of(site.app).ingestor.catch_up() == 5
    with Session(site.app.state.engine) as session:
        [before] = session.exec(select(Notice).where(col(Notice.ledger_index) == 3)).all()
        assert "event" not in before.body  # the stream takes it from the entry
    assert "The pilot agreement was signed" in _replay(site, "4")
    notice = _withhold(ledger, 3)
    assert state.of(site.app).ingestor.catch_up() == 1
    with Session(site.app.state.engine) as session:
        [after] = session.exec(select(Notice).where(col(Notice.ledger_index) == 3)).all()
        assert after.body["withheld"] == {
            "reason": REASON,
            "legal_basis": "Access to Information Act, art. 10",
            "notice_index": notice,
        }
    # The stream's replay from the start (and every webhook, built from the same log).
    replay = _replay(site, str(notice))
    assert "id: 3\n" in replay
    assert "The pilot agreement was signed" not in replay


def test_after_a_withholding_the_replay_and_a_pending_delivery_carry_only_the_stub(
    database_url: str, ledger: Ledger
) -> None:
    """Nothing sent of a withheld entry holds its event: neither the stream, nor a delivery
    queued before the withholding and sent after it, though each entry's event is attached
    when it is sent."""
    with Receiver() as receiver, site_at(database_url, ledger.url, **PRIVATE) as site:
        answer = httpx.post(f"{site.url}/v1/subscriptions", json={"url": receiver.url})
        assert answer.status_code == 201, answer.text
        assert state.of(site.app).ingestor.catch_up() == 5  # five deliveries wait
        notice = _withhold(ledger, 3)
        assert state.of(site.app).ingestor.catch_up() == 1
        stub = {
            "ledger_index": 3,
            "trip_id": TRIP,
            "withheld": {
                "reason": REASON,
                "legal_basis": "Access to Information Act, art. 10",
                "notice_index": notice,
            },
            "trip_url": f"https://trips.example.org/trips/{TRIP}",
        }
        streamed = _data(_replay(site, str(notice)))
        assert json.loads(streamed["3"])["data"] == stub
        assert all("event" in json.loads(streamed[i])["data"] for i in ("0", "1", "2", "4"))
        with site_at(database_url, ledger.url, **{**PRIVATE, **DELIVERING}):
            eventually(lambda: len(receiver.accepted()) == 6)
        sent = {json.loads(r.body)["id"]: r.body.decode() for r in receiver.accepted()}
        assert sent["3"] == streamed["3"]  # the stub, as the stream sends it
        assert all(sent[i] == streamed[i] for i in ("0", "1", "2", "4"))


def _replay(site: Site, last: str) -> str:
    """The stream from the start, up to the event ``last``."""
    read = ""
    with httpx.stream("GET", f"{site.url}/v1/stream", params={"after": "-1"}, timeout=10) as live:
        for line in live.iter_lines():
            read += line + "\n"
            if line == f"id: {last}":
                return read
    raise AssertionError(f"the stream ended before {last}: {read}")


def _data(replay: str) -> dict[str, str]:
    """Each event's ``data`` in a replay, as sent, by its id."""
    found, last = {}, ""
    for line in replay.splitlines():
        if line.startswith("id: "):
            last = line[4:]
        elif line.startswith("data: "):
            found[last] = line[6:]
    return found
