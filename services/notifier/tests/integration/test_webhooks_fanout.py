"""Notices are queued for the webhooks behind a cursor, apart from ingestion: each once, in
order, for the subscriptions made before them, and after a catch-up rather than during it."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import Engine, delete, func, update
from sqlmodel import Session, col, select

from notifier.channels import notices
from notifier.channels.models import Delivery, FanOutCursor
from notifier.channels.testing import Entries, ingest
from notifier.channels.testing import settings as channel_settings
from notifier.channels.webhooks import fanout
from notifier.channels.webhooks import service as webhooks_service
from notifier.channels.webhooks.schemas import SubscriptionCreate
from notifier.ingest import service
from notifier.ingest.models import VerifiedTree
from notifier.main import MIGRATIONS, build
from notifier.testing import state_of
from periplus import db
from periplus.testing import Server


def subscribe(engine: Engine, **filters: object) -> str:
    with Session(engine) as session:
        body = SubscriptionCreate(url="https://hooks.example.org/in", **filters)
        sub, _ = webhooks_service.create(session, body, None, 10)
        session.commit()
        return sub.id


def approve(engine: Engine, entries: Entries, count: int) -> None:
    with Session(engine) as session:
        service.apply(session, [entries.approved(str(uuid.uuid4())) for _ in range(count)])
        session.commit()


def queued(engine: Engine) -> list[tuple[str, int]]:
    """Each delivery's subscription and entry, in the order they were queued."""
    with Session(engine) as session:
        rows = session.exec(
            select(Delivery.subscription_id, Delivery.ledger_index).order_by(
                col(Delivery.created_at), col(Delivery.id)
            )
        ).all()
    return [(sub_id, int(index or 0)) for sub_id, index in rows]


def step(engine: Engine, limit: int = fanout.SLICE) -> int:
    with Session(engine) as session:
        count = fanout.step(session, limit)
        session.commit()
    return count


def due(engine: Engine, now: datetime | None = None) -> bool:
    with db.reading(engine) as connection:
        return fanout.due(connection, now)


def test_ingestion_writes_notices_and_a_step_queues_each_once_in_order(engine: Engine) -> None:
    everything = subscribe(engine)
    approvals = subscribe(engine, types=["trip.approved"])
    subscribe(engine, types=["trip.reported"])
    entries = Entries()
    approve(engine, entries, 5)
    assert queued(engine) == []  # the entries' transaction queues nothing
    assert due(engine)

    assert step(engine, limit=3) == 3
    assert step(engine, limit=3) == 2
    assert step(engine) == 0
    assert not due(engine)
    expected = [(sub, index) for index in range(5) for sub in sorted([everything, approvals])]
    assert queued(engine) == expected
    with Session(engine) as session:
        cursor = session.get(FanOutCursor, 1)
        assert cursor is not None
        assert (cursor.ledger_index, cursor.sub) == (4, 0)


def test_a_step_rolled_back_leaves_the_cursor_and_queues_nothing(engine: Engine) -> None:
    subscribe(engine)
    approve(engine, Entries(), 2)
    with Session(engine) as session:
        assert fanout.step(session) == 2
        session.rollback()  # a crash before the commit
    assert queued(engine) == []
    assert step(engine) == 2
    assert [index for _, index in queued(engine)] == [0, 1]


def test_a_subscription_gets_only_the_notices_made_after_it(engine: Engine) -> None:
    entries = Entries()
    approve(engine, entries, 2)
    later = subscribe(engine)  # the notices of entries 0 and 1 were made before it
    approve(engine, entries, 1)
    assert step(engine) == 3
    assert queued(engine) == [(later, 2)]


def test_notices_wait_while_the_read_model_catches_up_but_not_for_ever(engine: Engine) -> None:
    subscribe(engine)
    approve(engine, Entries(), 1)
    with Session(engine) as session:
        # The newest checkpoint read holds more than the read model: a catch-up runs.
        session.add(VerifiedTree(size=1, edge=b"", checkpoint="", verified_at=datetime.now(UTC)))
        session.exec(update(VerifiedTree).values(signed_size=1000))
        session.commit()
    assert not due(engine)
    assert due(engine, datetime.now(UTC) + fanout.PATIENCE + timedelta(seconds=1))
    with Session(engine) as session:
        session.exec(update(VerifiedTree).values(size=1000))
        session.commit()
    assert due(engine)


def test_two_notifiers_queue_each_notice_once(engine: Engine) -> None:
    subs = [subscribe(engine) for _ in range(3)]
    approve(engine, Entries(), 300)
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def drain() -> None:
        try:
            start.wait()
            while step(engine, limit=7):
                pass
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=drain) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with Session(engine) as session:
        total = session.exec(select(func.count()).select_from(Delivery)).one()
        distinct = session.exec(
            select(func.count()).select_from(
                select(Delivery.subscription_id, Delivery.ledger_index).distinct().subquery()
            )
        ).one()
    assert (total, distinct) == (900, 900)
    assert sorted({sub for sub, _ in queued(engine)}) == sorted(subs)


@pytest.mark.parametrize("limit", [1, fanout.SLICE])
def test_a_withheld_notice_is_queued_as_what_it_now_says(engine: Engine, limit: int) -> None:
    """A subscription filtered by department is not sent a notice whose entry was withheld
    before it was queued: the erased notice names no department."""
    subscribe(engine, departments=["International Relations"])
    entries = Entries()
    approve(engine, entries, 1)
    with Session(engine) as session:
        notices.withhold(session, 0, {"reason": "court order"})
        session.commit()
    while step(engine, limit):
        pass
    assert queued(engine) == []


def test_a_delivery_filtered_by_type_is_forgotten_when_its_entry_is_withheld(
    engine: Engine,
) -> None:
    """A delivery queued for a `trip.cancelled` subscription and not yet sent is forgotten
    when that entry is withheld: its notice is now of type `withheld`, and a receiver sent
    it at all would learn what the entry was."""
    sub = subscribe(engine, types=["trip.cancelled"])
    entries, trip = Entries(), str(uuid.uuid4())
    approved = entries.approved(trip)
    cancelled = entries.make("trip.cancelled", trip, {"reference": "MVD-2027-0001", "reason": "x"})
    with Session(engine) as session:
        service.apply(session, [approved, cancelled])
        session.commit()
    while step(engine):
        pass
    assert queued(engine) == [(sub, 1)]
    with Session(engine) as session:
        service.apply(session, [entries.withholding(trip, 1)])
        session.commit()
    assert queued(engine) == []


@pytest.mark.parametrize("stored", [0, 3])
def test_the_migration_starts_the_cursor_after_the_notices_queued_already(
    database_url: str, stored: int
) -> None:
    """Before the cursor, the entries' transaction queued their notices: an upgrade queues
    none of them again, and the next notice is queued."""
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS, "0007")
    entries = Entries()
    approve(engine, entries, stored)
    db.upgrade(engine, MIGRATIONS)
    subscribe(engine)
    approve(engine, entries, 1)
    assert step(engine) == 1
    assert [index for _, index in queued(engine)] == [stored]

    db.downgrade(engine, MIGRATIONS, "0007")
    db.upgrade(engine, MIGRATIONS)
    assert step(engine) == 0
    engine.dispose()


def test_readiness_says_how_many_notices_wait_and_since_when(database_url: str) -> None:
    with Server(build(channel_settings(database_url, webhooks_enabled=False))) as server:
        engine = state_of(server).engine
        subscribe(engine)
        entries = Entries()
        ingest(server, *(entries.approved(str(uuid.uuid4())) for _ in range(3)))
        checks = httpx.get(f"{server.url}/readyz").json()["checks"]
        metrics = httpx.get(f"{server.url}/metrics").text
        assert checks["webhooks"]["waiting"] == 3
        assert datetime.fromisoformat(checks["webhooks"]["oldest"]) <= datetime.now(UTC)
        assert 'readiness_check_value{check="webhooks",field="waiting",service="notifier"} 3.0' in (
            metrics
        )
        assert step(engine) == 3
        checks = httpx.get(f"{server.url}/readyz").json()["checks"]
        assert (checks["webhooks"]["waiting"], checks["webhooks"]["oldest"]) == (0, None)


def test_without_its_cursor_nothing_is_queued_again(engine: Engine) -> None:
    """A cursor deleted by hand must not send every notice once more: queueing stops, and
    says why."""
    subscribe(engine)
    approve(engine, Entries(), 2)
    assert step(engine) == 2
    with Session(engine) as session:
        session.exec(delete(FanOutCursor))
        session.commit()
    with pytest.raises(fanout.NoCursorError):
        step(engine)
    assert [index for _, index in queued(engine)] == [0, 1]
