"""A notifier behind the ledger catches up a batch at a time and raises no alert until it has
caught up: the report an alert would call missing may sit in an entry not yet read.

A real ledger over HTTP and both databases for the notifier.
"""

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine, func
from sqlmodel import Session, col, select

from ledger.testing import Ledger
from notifier import trust as trust_config
from notifier.channels.alerts.worker import check_now
from notifier.channels.models import Notice, WatchedTrip
from notifier.ingest import tree
from notifier.ingest.ingestor import Ingestor
from notifier.ingest.models import Quarantined
from notifier.ingest.reader import LedgerReader
from notifier.publish.models import LoggedEntry, TripView
from notifier.testing import POLICY_FILE, SOURCE_SIGNER, life, migrated_engine, numbered
from periplus import sources
from periplus.events import Envelope
from periplus.note import Signer

TODAY = date(2026, 5, 1)  # the reports of life()'s trips were due on 2026-04-12


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    yield from migrated_engine(database_url)


def ingestor(engine: Engine, ledger: Ledger, batch: int) -> Ingestor:
    keys = {SOURCE_SIGNER.name: [str(SOURCE_SIGNER.verifier)]}
    trust = trust_config.load(POLICY_FILE, keys, "test-city/ledger")
    return Ingestor(engine, LedgerReader(ledger.url, ledger.http), trust, batch=batch)


def alerts(engine: Engine) -> list[tuple[str, str]]:
    with Session(engine) as session:
        rows = session.exec(select(Notice).where(col(Notice.sub) > 0)).all()
        return sorted((n.type, n.trip_id) for n in rows)


def test_an_overdue_report_that_a_later_entry_files_raises_no_alert_while_catching_up(
    engine: Engine, ledger: Ledger
) -> None:
    filed, late = str(uuid.uuid4()), str(uuid.uuid4())
    filed_life, late_life = life(filed, "MVD-2026-0001"), life(late, "MVD-2026-0002")
    # Both trips approved first; the late one is completed and never reported, the
    # other's report (and the follow-ups it lists) comes ten entries later.
    ordered = [filed_life[0], late_life[0], late_life[2], filed_life[1], filed_life[2]]
    ordered += [e for n in range(2) for e in life(str(uuid.uuid4()), f"MVD-2026-01{n:02d}")]
    ordered += filed_life[3:]
    ledger.append(numbered(ordered))
    notifier = ingestor(engine, ledger, batch=2)

    assert notifier.catch_up(rounds=1) == 2
    with Session(engine) as session:
        pending = session.get(WatchedTrip, filed)
        assert pending is not None
        assert pending.status == "approved"
        assert pending.report_due == "2026-04-12"  # overdue on TODAY, as far as entry 1 shows
        assert not tree.caught_up(session.connection())
    assert check_now(engine, 30, today=TODAY) == 0
    assert notifier.catch_up(rounds=3) == 6
    assert check_now(engine, 30, today=TODAY) == 0
    assert alerts(engine) == []

    assert notifier.catch_up() == len(ordered) - 8
    with Session(engine) as session:
        assert tree.caught_up(session.connection())
        view = session.get(TripView, filed)
        assert view is not None
        assert view.status == "reported"
    # Caught up: the trip never reported raises its alert; the one reported later does not,
    # nor its follow-up that was open in the report and done by the last entry.
    assert check_now(engine, 30, today=TODAY) == 1
    assert alerts(engine) == [("alert.report_overdue", late)]


def test_a_ledger_that_grows_makes_a_caught_up_notifier_lag_until_it_reads_on(
    engine: Engine, ledger: Ledger
) -> None:
    trip = str(uuid.uuid4())
    events = numbered(life(trip, "MVD-2026-0003"))
    ledger.append(events[:1])
    notifier = ingestor(engine, ledger, batch=2)
    assert notifier.catch_up() == 1
    with Session(engine) as session:
        assert tree.caught_up(session.connection())
    assert check_now(engine, 30, today=TODAY) == 1  # approved, due 2026-04-12, not reported

    ledger.append(events[1:])
    assert notifier.catch_up(rounds=1) == 2  # the checkpoint of size 5 is read, 3 of 5 shown
    with Session(engine) as session:
        assert not tree.caught_up(session.connection())
        shown = session.exec(select(func.count()).select_from(LoggedEntry)).one()
        assert shown == 3
    assert notifier.catch_up() == 2
    with Session(engine) as session:
        assert tree.caught_up(session.connection())


def test_signatures_checked_ahead_follow_a_rotation_in_the_batch_before(
    engine: Engine, ledger: Ledger
) -> None:
    """The next batch is read, parsed and its signatures checked while this one is written;
    a rotation in this one voids what was checked ahead under the keys before it."""
    trip = uuid.uuid4()
    successor = Signer(SOURCE_SIGNER.name, Ed25519PrivateKey.from_private_bytes(bytes(32)))
    steps = life(str(trip), "MVD-2026-0004")

    def signed(signer: Signer, seq: int, event: dict[str, Any]) -> Envelope:
        return sources.sign(signer, seq=seq, type_=event["type"], trip_id=trip, data=event["data"])

    rotation = sources.rotation(SOURCE_SIGNER, 3, successor.verifier)
    ledger.append(
        [
            signed(SOURCE_SIGNER, 1, steps[0]),
            signed(SOURCE_SIGNER, 2, steps[1]),
            rotation,
            signed(successor, 4, steps[2]),
            signed(SOURCE_SIGNER, 5, steps[3]),  # under the key the rotation retired
            signed(successor, 6, steps[4]),
        ]
    )
    notifier = ingestor(engine, ledger, batch=2)
    assert notifier.catch_up() == 5
    with Session(engine) as session:
        assert list(session.exec(select(LoggedEntry.index).order_by(col(LoggedEntry.index)))) == [
            0,
            1,
            2,
            3,
            5,
        ]
        [refused] = session.exec(select(Quarantined)).all()
        assert refused.ledger_index == 4
        assert "was retired after seq 3" in refused.reason
