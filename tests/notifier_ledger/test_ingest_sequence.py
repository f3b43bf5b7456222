"""An entry is shown only as its source's next seq. Someone who controls the ledger's
database, not its key, appends again the bytes of an older event a city signed, or drops
one and logs the next: the ledger signs the tree its database holds, and the city's
signature checks out, but the notifier refuses the entry, an alarm (a counter, a critical
log, ``/readyz``), and the trip's page keeps what the city said last. A seq the ledger
moved past with its public notice is no gap.

A real ledger over HTTP (SQLite), the notifier on both databases.
"""

import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from prometheus_client import REGISTRY
from sqlalchemy import text
from sqlmodel import Session

from ledger.ingest.resolve import resolve
from ledger.log.fact import fact
from ledger.log.service import append, sign_checkpoint
from ledger.log.withhold import withhold
from ledger.testing import Ledger
from notifier import state
from notifier.ingest.ingestor import Ingestor
from notifier.ingest.reader import LedgerReader
from notifier.publish.models import TripView
from notifier.testing import SOURCE_SIGNER, Site, life, numbered, serve
from periplus.events import Envelope, parse_envelope
from periplus.sources import SourceKeys
from tests.notifier_ledger.ingest import quarantined, shown

SOURCE = SOURCE_SIGNER.name


@pytest.fixture
def site(database_url: str, ledger: Ledger) -> Iterator[Site]:
    yield from serve(database_url, ledger_url=ledger.url)


def alarms() -> float:
    value = REGISTRY.get_sample_value("notifier_entries_out_of_sequence_total", {"source": SOURCE})
    return value or 0.0


def sequence_check(site: Site) -> dict[str, Any]:
    check: dict[str, Any] = httpx.get(f"{site.url}/readyz").json()["checks"]["sequence"]
    return check


def followups(site: Site, trip: str) -> list[str]:
    with Session(state.of(site.app).engine) as session:
        view = session.get(TripView, trip)
        assert view is not None
        return [f.status.value for f in view.state.followups]


def append_again(ledger: Ledger, envelope: Envelope) -> None:
    """The attacker's rows: an earlier event's very bytes at the log's end, under an id and
    seq column of his own; the ledger signs the tree on its next tick."""
    copy = fact(parse_envelope(envelope.leaf, logged=True))._replace(
        id=str(uuid.uuid4()), seq=10**9
    )
    with Session(ledger.engine) as session:
        append(session, [copy])
        session.commit()
        sign_checkpoint(session, ledger.signer)
        session.commit()


def append_past_a_dropped_seq(ledger: Ledger, events: list[Envelope]) -> None:
    """The attacker's update: the ledger's position of the source moved past the second
    event's seq in its database, no notice made, before it comes; the ledger drops it (with
    an alarm of its own) and logs the rest."""
    ledger.append(events[:1])
    with Session(ledger.engine) as session:
        query = "UPDATE source_state SET last_seq = last_seq + 1 WHERE source = :source"
        session.execute(text(query), {"source": SOURCE})
        session.commit()
    ledger.append(events[1:])


def test_an_older_event_appended_again_is_refused_with_an_alarm_and_the_page_stays(
    ledger: Ledger, site: Site
) -> None:
    trip = str(uuid.uuid4())
    events = numbered(life(trip, "MVD-2026-0061"))
    ledger.append(events)
    ingestor = state.of(site.app).ingestor
    assert ingestor.catch_up() == 5
    before, counted = followups(site, trip), alarms()
    assert "done" in before
    assert sequence_check(site) == {"status": "ok", "required": False, "refused": 0}

    append_again(ledger, events[3])  # the report, filed while every follow-up was open
    assert ingestor.catch_up() == 0
    assert followups(site, trip) == before
    assert "Costing published" in httpx.get(f"{site.url}/trips/{trip}").text  # still done
    [item] = quarantined(site)
    assert (item["kind"], item["ledger_index"]) == ("entry", 5)
    assert item["reason"] == (
        f"alarm: {SOURCE}'s seqs are logged out of order or twice: seq 4 after seq 5"
    )
    assert alarms() == counted + 1
    check = sequence_check(site)
    assert (check["status"], check["refused"]) == ("failing", 1)
    assert check["sources"] == [
        {"source": SOURCE, "last_seq": 5, "refused": 1, "reason": item["reason"][7:]}
    ]
    # The city's next event is its next seq still, and shown.
    ledger.append(numbered(life(str(uuid.uuid4()), "MVD-2026-0062")[:1], first=6))
    assert ingestor.catch_up() == 1
    assert shown(site) == [0, 1, 2, 3, 4, 6]


def test_a_seq_dropped_with_no_notice_holds_its_source_with_an_alarm(
    ledger: Ledger, site: Site
) -> None:
    """The attacker moves the ledger past seq 2 in its database, no notice made: the ledger
    drops the event and logs the next ones. None of them is shown, as the trip's record
    would lack the amendment its city signed."""
    trip = str(uuid.uuid4())
    events = numbered(life(trip, "MVD-2026-0063"))
    append_past_a_dropped_seq(ledger, events)
    counted = alarms()
    assert state.of(site.app).ingestor.catch_up() == 1
    assert shown(site) == [0]
    with Session(state.of(site.app).engine) as session:
        view = session.get(TripView, trip)
        assert view is not None
        assert (view.status, view.state.amendments) == ("approved", [])
    items = quarantined(site)
    assert [i["ledger_index"] for i in items] == [1, 2, 3]
    reason = (
        f"alarm: seq 2 of {SOURCE} is not in the log, though later ones are, and no public "
        "notice says the log moved past it"
    )
    assert {i["reason"] for i in items} == {reason}
    assert alarms() == counted + 3
    check = sequence_check(site)
    assert (check["status"], check["refused"]) == ("failing", 3)
    assert check["sources"][0]["last_seq"] == 1


def test_a_seq_the_ledger_moved_past_in_public_is_no_gap(ledger: Ledger, site: Site) -> None:
    """Seq 2 never came; the operator resolves it, the ledger's signed notice is logged,
    and the city's seq 3 on is shown, with no alarm."""
    trip = str(uuid.uuid4())
    events = numbered(life(trip, "MVD-2026-0064"))
    ledger.append(events[:1])
    ledger.append(events[2:])  # seq 3 on: the ledger waits for seq 2
    keys = SourceKeys.configured({SOURCE: [str(SOURCE_SIGNER.verifier)]})
    with Session(ledger.engine) as session:
        notice = resolve(
            session, SOURCE, 2, "the city lost it", ledger.own_signer, [SOURCE], keys, 0.0
        )
        session.commit()
    ledger.append(events[2:])  # and now the ledger takes them
    counted = alarms()
    assert state.of(site.app).ingestor.catch_up() == 5
    assert shown(site) == [0, 1, 2, 3, 4]
    assert notice == 1
    assert quarantined(site) == []
    assert alarms() == counted
    assert sequence_check(site) == {"status": "ok", "required": False, "refused": 0}
    assert followups(site, trip).count("done") == 1


def test_a_seq_that_an_entry_withheld_in_public_may_hold_is_no_gap(
    ledger: Ledger, site: Site
) -> None:
    """Entry 1 is withheld before the notifier reads it, so its seq is not known; read a
    batch of two entries at a time, the seq it held is lacking only in the next batch."""
    trip = str(uuid.uuid4())
    ledger.append(numbered(life(trip, "MVD-2026-0065")))
    with Session(ledger.engine) as session:
        withhold(session, 1, "A witness", "Act, art. 10", ledger.own_signer)
        session.commit()
        sign_checkpoint(session, ledger.signer)
        session.commit()
    kept = state.of(site.app)
    counted = alarms()
    behind = Ingestor(kept.engine, LedgerReader(ledger.url, httpx.Client()), kept.ingestor.trust, 2)
    assert behind.catch_up() == 6
    assert shown(site) == [0, 1, 2, 3, 4, 5]
    assert quarantined(site) == []
    assert alarms() == counted
    assert sequence_check(site)["status"] == "ok"
