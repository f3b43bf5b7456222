"""An entry off the public contract is shown, marked, with what can be read of it; one
that fails its checks is quarantined on its own; the ones after either are shown, and the
ledger's notice that it moved past a seq is taken as its word.

A real ledger over HTTP (SQLite), the notifier on both databases.
"""

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlmodel import Session, col, select

from ledger.ingest.resolve import resolve
from ledger.ingest.service import Ingestor
from ledger.testing import Ledger
from notifier import state
from notifier.channels.models import Notice
from notifier.publish.models import LoggedEntry, TripView
from notifier.testing import SOURCE_SIGNER, Site, life, numbered, serve
from periplus import sources
from periplus.canonical import canonical_bytes
from periplus.events import SPEC, parse_envelope
from periplus.kafka import Record
from periplus.public import TripSnapshot
from periplus.sources import SourceKeys
from periplus.testing import signed_as_is

SOURCE = SOURCE_SIGNER.name


@pytest.fixture
def site(database_url: str, ledger: Ledger) -> Iterator[Site]:
    yield from serve(database_url, ledger_url=ledger.url)


def shown(site: Site) -> list[int]:
    with Session(site.app.state.engine) as session:
        return list(session.exec(select(LoggedEntry.index).order_by(col(LoggedEntry.index))))


def quarantined(site: Site) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = httpx.get(f"{site.url}/v1/quarantine").json()["items"]
    return items


def with_nul(seq: int, event: dict[str, Any]) -> bytes:
    """``event`` with a NUL in a traveller's name, signed by its source's real key as an
    older trips-api would have: valid JSON, valid RFC 8785, a valid signature."""
    trip = dict(event["data"]["trip"])
    trip["travellers"] = [{**trip["travellers"][0], "name": "Ana\x00Pérez"}]
    body = {
        "spec": SPEC,
        "id": event["id"],
        "source": SOURCE,
        "seq": seq,
        "type": event["type"],
        "trip_id": event["trip_id"],
        "occurred_at": event["occurred_at"],
        "data": {**event["data"], "trip": trip},
    }
    return canonical_bytes(signed_as_is(SOURCE_SIGNER, body))


def test_an_entry_off_the_contract_is_shown_marked_and_later_ones_too(
    ledger: Ledger, site: Site
) -> None:
    """An amendment signed by the city and logged with ``departments: 5``: the fold reads
    it part by part, so the trip stays as approved, the entry is listed and marked, and
    the stream, the webhooks and the page carry on."""
    trip = str(uuid.uuid4())
    approved, amended, *rest = life(trip, "MVD-2026-0051")
    odd = {**amended, "data": {**amended["data"], "trip": {**amended["data"]["trip"]}}}
    odd["data"]["trip"]["departments"] = 5  # signed by the city, logged, and no list
    ledger.append(numbered([approved, odd, *rest]))
    assert state.of(site.app).ingestor.catch_up() == 5
    assert shown(site) == [0, 1, 2, 3, 4]
    assert quarantined(site) == []
    with Session(site.app.state.engine) as session:
        view = session.get(TripView, trip)
        assert view is not None
        assert (view.status, view.last_index) == ("reported", 4)
        assert view.state.unvalidated == [1]
        assert view.state.trip == TripSnapshot.model_validate(approved["data"]["trip"])
        assert [a.index for a in view.state.amendments] == [1]
        notices = session.exec(select(Notice.ledger_index).where(col(Notice.sub) == 0)).all()
        assert sorted(notices) == [0, 1, 2, 3, 4]  # what the stream and the webhooks send
    page = httpx.get(f"{site.url}/trips/{trip}")
    assert page.status_code == 200
    assert "The pilot agreement was signed" in page.text
    assert "did not match the published data format" in page.text
    assert 'id="entry-1"' in page.text
    assert httpx.get(f"{site.url}/feed.json").status_code == 200
    # And it keeps applying what comes after.
    other = str(uuid.uuid4())
    ledger.append(numbered(life(other, "MVD-2026-0052")[:2], first=6))
    assert state.of(site.app).ingestor.catch_up() == 2
    assert shown(site) == [0, 1, 2, 3, 4, 5, 6]


def test_a_nul_that_an_older_ledger_logged_is_quarantined_and_later_ones_shown(
    ledger: Ledger, site: Site
) -> None:
    trip = str(uuid.uuid4())
    approved, *rest = life(trip, "MVD-2026-0053")
    logged = parse_envelope(with_nul(1, approved), logged=True)
    ledger.append([logged, *numbered(rest, first=2)])
    assert state.of(site.app).ingestor.catch_up() == 4
    assert shown(site) == [1, 2, 3, 4]
    [item] = quarantined(site)
    assert (item["kind"], item["ledger_index"]) == ("entry", 0)
    assert "data.trip.travellers.0.name holds the control character U+0000" in item["reason"]
    assert httpx.get(f"{site.url}/trips/{trip}").status_code == 200


def test_the_ledgers_notice_that_it_moved_past_a_seq_is_shown_and_a_citys_refused(
    ledger: Ledger, site: Site
) -> None:
    trip = str(uuid.uuid4())
    events = life(trip, "MVD-2026-0054")
    ledger.append(numbered(events[:1]))
    # The city's seq 2 reaches the ledger with a NUL: it holds the source back ...
    ingestor = Ingestor(
        ledger.engine,
        {SOURCE: "http://127.0.0.1:9"},
        httpx.Client(),
        SourceKeys.configured({SOURCE: [str(SOURCE_SIGNER.verifier)]}),
    )
    with Session(ledger.engine) as session:
        record = Record("trips", 0, 0, None, with_nul(2, events[1]))
        ingestor.handle(session, ingestor.prepare([record]))
        session.commit()
    # ... until the operator resolves it, in public.
    with Session(ledger.engine) as session:
        own = ledger.own_signer
        notice = resolve(session, SOURCE, 2, "a NUL in a name", own, [SOURCE], ingestor.keys)
        session.commit()
    ledger.append(numbered(events[2:], first=3))
    forged = sources.sign(
        SOURCE_SIGNER,
        seq=6,
        type_="source.seq_resolved",
        trip_id=sources.NO_TRIP,
        data={"source": SOURCE, "seq": 7, "reason": "the city may not say so"},
    )
    ledger.append([forged])
    assert state.of(site.app).ingestor.catch_up() == 5
    assert notice == 1
    assert shown(site) == [0, 1, 2, 3, 4]
    with Session(site.app.state.engine) as session:
        entry = session.get(LoggedEntry, notice)
        assert entry is not None
        assert (entry.type, entry.trip_id) == ("source.seq_resolved", "")
        assert entry.event["data"] == {"source": SOURCE, "seq": 2, "reason": "a NUL in a name"}
        assert session.get(TripView, str(sources.NO_TRIP)) is None
    [item] = quarantined(site)
    assert (item["kind"], item["ledger_index"]) == ("entry", 5)
    assert item["reason"] == "only the ledger (test-city/ledger) may resolve a seq"
    assert httpx.get(f"{site.url}/feed.json").status_code == 200
