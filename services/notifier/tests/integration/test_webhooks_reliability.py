"""Webhooks under slow, silent and failing receivers, over real HTTP and real databases:
one attempt per webhook-id at a time, a limit per receiver, the spec's retry schedule,
order after an outage, and outcomes that arrive too late."""

import itertools
import json
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlmodel import Session, select

from notifier.channels.models import DELIVERED, PENDING, SENDING, Delivery
from notifier.channels.testing import (
    BlackHole,
    Entries,
    Received,
    Receiver,
    ingest,
    settings,
    subscribe,
)
from notifier.channels.webhooks import repository, retries, service, worker
from notifier.channels.webhooks.attempt import Job, Outcome
from notifier.channels.webhooks.schemas import SubscriptionCreate
from notifier.main import MIGRATIONS, build
from notifier.settings import STANDARD_RETRY_SCHEDULE, Settings
from periplus import db
from periplus.testing import Server, eventually


def approvals(entries: Entries, count: int) -> list[tuple[int, dict[str, Any]]]:
    return [entries.approved(str(uuid.uuid4())) for _ in range(count)]


def index_of(received: Received) -> int:
    return int(json.loads(received.body)["data"]["ledger_index"])


def test_a_slow_receiver_never_has_one_webhook_id_twice_at_once(database_url: str) -> None:
    """Two notifiers on one database, as two replicas, send to a slow receiver that fails
    each message once: every message is retried, never while an attempt with its id is
    open, and never more than the receiver's limit at once."""
    options = {"webhook_concurrency": 8, "webhook_receiver_concurrency": 3, "webhook_timeout": 5}
    with (
        Receiver(mode="flaky", delay=0.2) as receiver,
        Server(build(settings(database_url, **options))) as first,
        Server(build(settings(database_url, **options))),
    ):
        subscribe(first, url=receiver.url)
        ingest(first, *approvals(Entries(), 12))
        eventually(lambda: len(receiver.accepted()) >= 12, timeout=60)
    tries = Counter(r.headers["webhook-id"] for r in receiver.all())
    assert len(tries) == 12
    assert set(tries.values()) == {2}  # failed once, delivered once
    assert receiver.overlapped == set()
    assert receiver.peak <= 3


def test_a_black_holed_receiver_does_not_delay_the_others(database_url: str) -> None:
    """A receiver that takes the connection and never answers holds only its own limit of
    senders; the other receiver gets everything while those attempts still hang."""
    options = {"webhook_concurrency": 4, "webhook_receiver_concurrency": 2, "webhook_timeout": 30}
    entries = Entries()
    with (
        Server(build(settings(database_url, **options))) as server,
        BlackHole() as hole,
        Receiver() as receiver,
    ):
        silent = subscribe(server, url=hole.url)
        ingest(server, *approvals(entries, 8))  # older than anything the other one gets
        eventually(lambda: len(hole.connections) == 2)
        subscribe(server, url=receiver.url)
        ingest(server, *approvals(entries, 8))
        eventually(lambda: len(receiver.accepted()) == 8, timeout=20)
        assert len(hole.connections) == 2
        auth = {"Authorization": f"Bearer {silent['token']}"}
        log = httpx.get(
            f"{server.url}/v1/subscriptions/{silent['id']}/deliveries", headers=auth
        ).json()["deliveries"]
        assert sum(d["attempts"] for d in log) == 2  # still in flight: nothing failed yet
        assert {d["status"] for d in log} == {"pending"}


def test_after_an_outage_deliveries_arrive_oldest_first(database_url: str) -> None:
    """Entries made while the receiver is down wait behind the oldest, which alone is
    retried; when it gets through, the rest follow in order, each once."""
    entries = Entries()
    with (
        Receiver(mode="fail") as receiver,
        Server(
            build(
                settings(
                    database_url,
                    webhook_receiver_concurrency=1,
                    webhook_retry_schedule=[0.2, 1.0, 1.0, 1.0],
                )
            )
        ) as server,
    ):
        subscribe(server, url=receiver.url)
        ingest(server, *approvals(entries, 1))
        eventually(lambda: len(receiver.all()) == 2)  # the oldest failed, and its retry too
        ingest(server, *approvals(entries, 3))
        receiver.mode = "ok"  # up again while the oldest waits a second for its next retry
        eventually(lambda: len(receiver.accepted()) == 4)
    assert [index_of(r) for r in receiver.accepted()] == [0, 1, 2, 3]
    assert [index_of(r) for r in receiver.all()] == [0, 0, 0, 1, 2, 3]


def test_retries_follow_the_schedule_then_the_delivery_is_dead(database_url: str) -> None:
    schedule = [1.0, 0.1, 1.5]  # not monotonic: only following it lands each retry in time
    with (
        Receiver(mode="fail") as receiver,
        Server(build(settings(database_url, webhook_retry_schedule=schedule))) as server,
    ):
        created = subscribe(server, url=receiver.url)
        ingest(server, *approvals(Entries(), 1))
        base = f"{server.url}/v1/subscriptions/{created['id']}/deliveries"
        auth = {"Authorization": f"Bearer {created['token']}"}
        dead = {"status": "dead"}
        eventually(lambda: httpx.get(base, params=dead, headers=auth).json()["deliveries"])
        arrivals = [r.arrived for r in receiver.all()]
    assert len(arrivals) == len(schedule) + 1
    gaps = [later - earlier for earlier, later in itertools.pairwise(arrivals)]
    for gap, step in zip(gaps, schedule, strict=True):
        assert step <= gap <= step * 1.1 + 0.75, (gaps, schedule)


def test_a_receiver_that_asks_to_wait_longer_is_heard(database_url: str) -> None:
    with (
        Receiver(mode="fail", retry_after="1") as receiver,
        Server(build(settings(database_url, webhook_retry_schedule=[0.05, 2.0]))) as server,
    ):
        subscribe(server, url=receiver.url)
        ingest(server, *approvals(Entries(), 1))
        eventually(lambda: len(receiver.all()) == 2)
        first, second = receiver.all()
    assert 1.0 <= second.arrived - first.arrived <= 1.0 + 0.75


def test_the_default_schedule_is_the_standard_webhooks_example() -> None:
    spec_elapsed = ["00:00:05", "00:05:05", "00:35:05", "02:35:05", "07:35:05"]
    spec_elapsed += ["17:35:05", "31:35:05", "51:35:05", "75:35:05"]
    elapsed, total = [], 0.0
    for step in Settings.model_fields["webhook_retry_schedule"].get_default(
        call_default_factory=True
    ):
        total += step
        hours, rest = divmod(int(total), 3600)
        elapsed.append(f"{hours:02d}:{rest // 60:02d}:{rest % 60:02d}")
    assert elapsed == spec_elapsed
    assert list(STANDARD_RETRY_SCHEDULE) == [5, 300, 1800, 7200, 18000, 36000, 50400, 72000, 86400]


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("120", 120.0), ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0), ("soon", None), (None, None)],
)
def test_retry_after_is_read_as_seconds_or_a_date(
    header: str | None, seconds: float | None
) -> None:
    now = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)
    assert retries.retry_after(header, now) == seconds


def test_a_late_outcome_never_undoes_a_delivery(database_url: str) -> None:
    """An attempt whose claim expired (a stalled process) reports after a newer attempt
    delivered the message: its failure is logged, and changes nothing."""
    settings_ = settings(database_url, webhook_retry_schedule=[0.05])
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS)
    sender = worker.DeliveryWorker(engine, settings_)  # not started: driven by hand
    with Session(engine) as session:
        sub, _ = service.create(session, SubscriptionCreate(url="https://a.example.org/"), None, 1)
        session.commit()
        message = service.enqueue_test(session, sub, settings_.public_url)
        session.commit()
        message_id = message.id
    (stalled,) = sender.claim(1)
    assert sender.claim(1) == []  # claimed: nobody else takes it
    with Session(engine) as session:
        row = session.get(Delivery, message_id)
        assert row is not None
        assert row.status == SENDING
        row.next_attempt_at = datetime.now(UTC) - timedelta(seconds=1)  # the claim ran out
        session.add(row)
        session.commit()
    (retried,) = sender.claim(1)
    assert (retried.id, retried.attempt) == (message_id, stalled.attempt + 1)

    def outcome(job: Job, status: int) -> Outcome:
        return Outcome(job.id, job.attempt, datetime.now(UTC), status, None, 1)

    sender.record([outcome(stalled, 503)])  # late, while the retry is in flight
    with Session(engine) as session:
        row = session.get(Delivery, message_id)
        assert row is not None
        assert (row.status, row.last_status) == (SENDING, None)
    sender.record([outcome(retried, 204)])
    sender.record([outcome(stalled, 503)])  # later still, after the delivery
    with Session(engine) as session:
        row = session.get(Delivery, message_id)
        assert row is not None
        assert (row.status, row.last_status) == (DELIVERED, 204)
        numbers = sorted(a.number for a in repository.attempts(session, message_id))
        assert numbers == [1, 1, 2]
    engine.dispose()


def test_a_stop_interrupts_attempts_that_hang_and_leaves_them_due(database_url: str) -> None:
    """Attempts in flight get the grace, not the attempt's deadline; the interrupted
    delivery is due again at once, for the next start or another replica."""
    app = build(settings(database_url, webhook_timeout=60))
    with BlackHole() as hole:
        with Server(app) as server:
            subscribe(server, url=hole.url)
            ingest(server, *approvals(Entries(), 1))
            eventually(lambda: hole.connections)
            asked = time.monotonic()
        stopped = time.monotonic() - asked
    assert not server.thread.is_alive()
    assert stopped < worker.SHUTDOWN_GRACE + 5
    with Session(app.state.engine) as session:
        (delivery,) = session.exec(select(Delivery)).all()
        (attempt,) = repository.attempts(session, delivery.id)
    assert delivery.status == PENDING
    assert delivery.next_attempt_at <= datetime.now(UTC)
    assert (delivery.last_error, attempt.error) == (None, worker.STOPPED)
