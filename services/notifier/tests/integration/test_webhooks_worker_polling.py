"""The delivery worker looks for work as a reader: the writer's transaction (on SQLite the
database's one write lock, which readers of pages and the ingestor wait behind) is taken
only to claim or record. Counted by the engine's own events."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, Engine, event
from sqlmodel import Session

from notifier.channels.models import Subscription
from notifier.channels.testing import due_at, settings
from notifier.channels.webhooks import service, worker
from notifier.channels.webhooks.schemas import SubscriptionCreate

pytestmark = pytest.mark.backends("sqlite", "postgresql")


class Begun:
    """Each transaction begun on an engine: True for a reader's (``db.reading``)."""

    def __init__(self, engine: Engine) -> None:
        self.kinds: list[bool] = []
        event.listen(engine, "begin", self._begin)

    def _begin(self, conn: Connection) -> None:
        self.kinds.append(bool(conn.get_execution_options().get("read_only", False)))

    def take(self) -> list[bool]:
        kinds, self.kinds = self.kinds, []
        return kinds


def _subscribe(engine: Engine) -> str:
    with Session(engine) as session:
        sub, _ = service.create(session, SubscriptionCreate(url="https://a.example.org/"), None, 1)
        session.commit()
        return sub.id


def _test_message(engine: Engine, sub_id: str, public_url: str) -> str:
    """A test message, due at once; its delivery's id."""
    with Session(engine) as session:
        sub = session.get(Subscription, sub_id)
        assert sub is not None
        message_id = service.enqueue_test(session, sub, public_url).id
        session.commit()
        return message_id


def test_a_claim_with_nothing_due_only_reads(engine: Engine, database_url: str) -> None:
    settings_ = settings(database_url)
    sender = worker.DeliveryWorker(engine, settings_)  # not started: driven by hand
    sub_id = _subscribe(engine)
    begun = Begun(engine)
    assert sender.claim(16) == []
    assert begun.take() == [True]
    message_id = _test_message(engine, sub_id, settings_.public_url)
    begun.take()
    (job,) = sender.claim(16)
    assert job.id == message_id
    assert begun.take() == [True, False]  # work seen by a reader, claimed by a writer
    assert sender.claim(16) == []  # in flight: nothing more is due
    assert begun.take() == [True]


def test_a_delivery_waiting_for_its_retry_is_not_work_until_due(
    engine: Engine, database_url: str
) -> None:
    settings_ = settings(database_url)
    sender = worker.DeliveryWorker(engine, settings_)
    message_id = _test_message(engine, _subscribe(engine), settings_.public_url)
    due_at(engine, message_id, datetime.now(UTC) + timedelta(hours=1))
    begun = Begun(engine)
    assert sender.claim(16) == []
    assert begun.take() == [True]
    due_at(engine, message_id, datetime.now(UTC) - timedelta(seconds=1))
    begun.take()
    assert [job.id for job in sender.claim(16)] == [message_id]
