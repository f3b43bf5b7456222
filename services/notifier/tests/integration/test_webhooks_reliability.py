"""Webhooks under slow, silent and failing receivers, over real HTTP and real databases:
one attempt per webhook-id at a time, a limit per receiver, the spec's retry schedule,
order after an outage, and outcomes that arrive too late."""

import json
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from notifier import state
from notifier.channels.models import DEAD, DELIVERED, PENDING, SENDING, Delivery, Subscription
from notifier.channels.testing import (
    BlackHole,
    Entries,
    Received,
    Receiver,
    due_at,
    ingest,
    settings,
    subscribe,
)
from notifier.channels.webhooks import repository, retries, service, worker
from notifier.channels.webhooks.attempt import Job, Outcome
from notifier.channels.webhooks.schemas import SubscriptionCreate
from notifier.main import MIGRATIONS, build
from notifier.settings import STANDARD_RETRY_SCHEDULE, Settings
from notifier.testing import state_of
from periplus import db
from periplus.testing import Server, eventually


def approvals(entries: Entries, count: int) -> list[tuple[int, dict[str, Any]]]:
    return [entries.approved(str(uuid.uuid4())) for _ in range(count)]


def index_of(received: Received) -> int:
    return int(json.loads(received.body)["data"]["ledger_index"])


@contextmanager
def by_hand(
    database_url: str, **options: Any
) -> Iterator[tuple[Engine, worker.DeliveryWorker, str]]:
    """A delivery worker that is not started, for the test to drive, and one message due."""
    settings_ = settings(database_url, **options)
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS)
    with Session(engine) as session:
        sub, _ = service.create(session, SubscriptionCreate(url="https://a.example.org/"), None, 1)
        session.commit()
        message = service.enqueue_test(session, sub, settings_.public_url)
        session.commit()
        message_id = message.id
    try:
        yield engine, worker.DeliveryWorker(engine, settings_), message_id
    finally:
        engine.dispose()


def delivery(engine: Engine, message_id: str) -> Delivery:
    with Session(engine) as session:
        row = session.get(Delivery, message_id)
    assert row is not None
    return row


def make_due(engine: Engine, message_id: str) -> None:
    """Due now, as when a retry's moment has come or a claim has run out."""
    due_at(engine, message_id, datetime.now(UTC) - timedelta(seconds=1))


def outcome(job: Job, status: int) -> Outcome:
    return Outcome(job.id, job.attempt, datetime.now(UTC), status, None, 1)


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


def test_a_failing_receiver_gets_one_try_per_step_then_the_delivery_is_dead(
    database_url: str,
) -> None:
    schedule = [0.2, 0.1, 0.3]
    with (
        Receiver(mode="fail") as receiver,
        Server(build(settings(database_url, webhook_retry_schedule=schedule))) as server,
    ):
        created = subscribe(server, url=receiver.url)
        ingest(server, *approvals(Entries(), 1))
        base = f"{server.url}/v1/subscriptions/{created['id']}/deliveries"
        auth = {"Authorization": f"Bearer {created['token']}"}
        dead = {"status": "dead"}
        (letter,) = eventually(
            lambda: httpx.get(base, params=dead, headers=auth).json()["deliveries"]
        )
        tries = receiver.all()
    assert letter["attempts"] == len(tries) == len(schedule) + 1
    assert {r.headers["webhook-id"] for r in tries} == {letter["id"]}


def test_each_retry_waits_its_own_step_of_the_schedule(database_url: str) -> None:
    """A failure puts the next attempt one step of the schedule (with up to 10 % jitter)
    after the moment it is recorded, the step of that attempt's number."""
    schedule = [1.0, 0.1, 1.5]  # not monotonic: each retry must take its own step
    with by_hand(database_url, webhook_retry_schedule=schedule) as (engine, sender, message_id):
        for step in schedule:
            make_due(engine, message_id)
            (job,) = sender.claim(1)
            before = datetime.now(UTC)
            sender.record([outcome(job, 503)])
            after = datetime.now(UTC)
            row = delivery(engine, message_id)
            assert row.status == PENDING
            assert before + timedelta(seconds=step) <= row.next_attempt_at
            assert row.next_attempt_at <= after + timedelta(seconds=step * 1.1)
        make_due(engine, message_id)
        (job,) = sender.claim(1)
        sender.record([outcome(job, 503)])
        assert delivery(engine, message_id).status == DEAD


def test_a_receiver_that_asks_to_wait_longer_is_heard(database_url: str) -> None:
    """A ``Retry-After`` longer than the schedule's step puts the next attempt that far
    after the failure is recorded."""
    options = {"webhook_retry_schedule": [0.05, 60.0]}
    with (
        Receiver(mode="fail", retry_after="30") as receiver,
        Server(build(settings(database_url, **options))) as server,
    ):
        subscribe(server, url=receiver.url)
        ingest(server, *approvals(Entries(), 1))
        engine = state_of(server).engine

        def failed_once() -> Delivery | None:
            with Session(engine) as session:
                rows = session.exec(select(Delivery)).all()  # none before the notice is queued
            assert len(rows) <= 1
            failed = [r for r in rows if r.status == PENDING and r.last_status == 503]
            return failed[0] if failed else None

        row = eventually(failed_once)
        seen = datetime.now(UTC)  # after the failure was recorded
        with Session(engine) as session:
            (attempt,) = repository.attempts(session, row.id)
    wait = timedelta(seconds=30)
    assert attempt.at + wait <= row.next_attempt_at <= seen + wait
    assert len(receiver.all()) == 1


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
    [
        ("120", 120.0),
        ("Wed, 21 Oct 2015 07:28:30 GMT", 30.0),
        ("soon", None),
        (None, None),
        ("\u00b2", None),  # a digit to Python, not to HTTP
    ],
)
def test_retry_after_is_read_as_seconds_or_a_date(
    header: str | None, seconds: float | None
) -> None:
    now = datetime(2015, 10, 21, 7, 28, tzinfo=UTC)
    assert retries.retry_after(header, now) == seconds


def test_a_late_outcome_never_undoes_a_delivery(database_url: str) -> None:
    """An attempt whose claim expired (a stalled process) reports after a newer attempt
    delivered the message: its failure is logged, and changes nothing."""
    with by_hand(database_url, webhook_retry_schedule=[0.05]) as (engine, sender, message_id):
        (stalled,) = sender.claim(1)
        assert sender.claim(1) == []  # claimed: nobody else takes it
        assert delivery(engine, message_id).status == SENDING
        make_due(engine, message_id)  # the claim ran out
        (retried,) = sender.claim(1)
        assert (retried.id, retried.attempt) == (message_id, stalled.attempt + 1)
        sender.record([outcome(stalled, 503)])  # late, while the retry is in flight
        row = delivery(engine, message_id)
        assert (row.status, row.last_status) == (SENDING, None)
        sender.record([outcome(retried, 204)])
        sender.record([outcome(stalled, 503)])  # later still, after the delivery
        row = delivery(engine, message_id)
        assert (row.status, row.last_status) == (DELIVERED, 204)
        with Session(engine) as session:
            numbers = sorted(a.number for a in repository.attempts(session, message_id))
        assert numbers == [1, 1, 2]


def test_a_stop_interrupts_attempts_that_hang_and_leaves_them_due(database_url: str) -> None:
    """Attempts in flight get the grace, not the attempt's deadline; the interrupted
    delivery is due again at once, for the next start or another replica."""
    app = build(settings(database_url, webhook_timeout=60))
    with BlackHole() as hole, Server(app) as server:
        subscribe(server, url=hole.url)
        ingest(server, *approvals(Entries(), 1))
        eventually(lambda: hole.connections)
    assert not server.thread.is_alive()  # it did not wait for the attempt's 60 s
    with Session(state.of(app).engine) as session:
        (row,) = session.exec(select(Delivery)).all()
        (attempt,) = repository.attempts(session, row.id)
    assert row.status == PENDING
    assert row.next_attempt_at <= datetime.now(UTC)
    assert (row.last_error, attempt.error) == (None, worker.STOPPED)


def test_a_receiver_no_attempt_can_connect_with_fails_alone(database_url: str) -> None:
    """A subscription kept from before its URL would be refused (a control character that
    an attempt cannot even parse) fails its own deliveries; the worker goes on for others."""
    with Receiver() as receiver, Server(build(settings(database_url))) as server:
        odd = subscribe(server, url=receiver.url)
        with Session(state_of(server).engine) as session:
            stored = session.get(Subscription, odd["id"])
            assert stored is not None
            stored.url = "http://1.1.1.1/\x01"
            session.add(stored)
            session.commit()
        subscribe(server, url=receiver.url)
        entries = Entries()
        ingest(server, *approvals(entries, 2))
        eventually(lambda: len(receiver.accepted()) == 2)  # the other receiver's two
        auth = {"Authorization": f"Bearer {odd['token']}"}
        url = f"{server.url}/v1/subscriptions/{odd['id']}/deliveries"

        def failed_once() -> bool:
            log = httpx.get(url, headers=auth).json()["deliveries"]
            return len(log) == 2 and all(d["attempts"] >= 1 for d in log)

        eventually(failed_once)
        ingest(server, *approvals(entries, 1))
        eventually(lambda: len(receiver.accepted()) == 3)  # the worker still delivers
