"""The delivery worker: sends due deliveries as the Standard Webhooks spec intends.

Claims. A delivery is claimed only when a sender is free to start it at once:
it becomes ``sending``, its attempt number grows by one, and the claim lasts
the attempt's deadline (``webhook_timeout``, for the whole exchange) and a
margin to record the outcome. Nothing claims it again meanwhile, in this
process or another, so a receiver never has one ``webhook-id`` twice at once.
An outcome is checked against the claim when it is recorded: a failure
counts only while the claim is still that attempt's, so a late failure
cannot undo a delivery. A crash leaves the claim to expire; the delivery is
then sent again under the same ``webhook-id``, by which receivers drop what
they already have.

Receivers. At most ``webhook_receiver_concurrency`` attempts go to one
subscription at once: a receiver that never answers holds that many senders
until their deadline, and the others serve everyone else. A receiver's name
is looked up once at a time however many attempts need it (``Lookups``), so
a name whose resolver never answers holds one lookup thread, not all.

Retries follow ``webhook_retry_schedule`` (the spec's example schedule,
about three days) with up to 10% jitter, or later when the receiver's
``Retry-After`` asks. After the last, the delivery is dead.

Order. While a receiver is unavailable (no answer, 408, 429 or 5xx), only its
oldest failing entry is retried and newer entries wait behind it; once an
attempt succeeds, what waited is due at once and goes oldest first. So after
an outage a receiver gets the entries in their order, and a receiver that is
down gets one probe per step of the schedule rather than one per entry. When
the oldest dies, entries that waited behind it for longer than the schedule's
span die with it, untried. A receiver that refuses one message (another 4xx)
holds up nothing behind it. Test messages neither wait nor hold up.
"""

import asyncio
import contextlib
import logging
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import httpx
from sqlalchemy import Engine
from sqlmodel import Session

from notifier.channels import notices
from notifier.channels import repository as notice_repository
from notifier.channels.models import DEAD, DELIVERED, PENDING, SENDING
from notifier.channels.webhooks import addresses, fanout, repository, retries
from notifier.channels.webhooks.attempt import Job, Outcome, send
from notifier.settings import Settings
from periplus import db

log = logging.getLogger(__name__)

PRUNE_EVERY = 3600.0
RECORD_EVERY = 0.05  # seconds an attempt's outcome may wait to be recorded with others
LEASE_MARGIN = 30.0  # seconds a claim outlasts the attempt's deadline, to record its outcome
SHUTDOWN_GRACE = 5.0  # seconds attempts in flight may finish when the service stops
STOPPED = "the notifier stopped before the receiver answered"

T = TypeVar("T")


class DeliveryWorker(threading.Thread):
    """An event loop of its own: each attempt is a task under a hard deadline, and the
    database is used from one thread beside it, so neither waits on the other."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(name="webhook-delivery", daemon=True)
        self.engine, self.settings = engine, settings
        self.lease = timedelta(seconds=settings.webhook_timeout + LEASE_MARGIN)
        self.grace = min(SHUTDOWN_GRACE, settings.webhook_timeout)
        self._halt = threading.Event()
        self._bell: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._next_prune = 0.0

    def wake(self) -> None:
        """Look for due deliveries now (callable from any thread)."""
        bell, loop = self._bell, self._loop
        if bell is not None and loop is not None:
            with contextlib.suppress(RuntimeError):  # the loop has just closed
                loop.call_soon_threadsafe(bell.set)

    def stop(self) -> None:
        """Claim nothing more; attempts in flight get ``grace`` seconds, then are released."""
        self._halt.set()
        self.wake()
        self.join(timeout=self.grace + 10)

    def run(self) -> None:
        notices.listen(self.wake)
        try:
            asyncio.run(self._main())
        finally:
            notices.unlisten(self.wake)

    async def _main(self) -> None:
        self._bell = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        if self._halt.is_set():  # stopped before the loop could be woken
            self._bell.set()
        size = self.settings.webhook_concurrency
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        lookups = addresses.Lookups(slow=self.settings.webhook_timeout)
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="webhook-db") as database:
                async with httpx.AsyncClient(
                    timeout=self.settings.webhook_timeout, follow_redirects=False, limits=limits
                ) as client:
                    await self._serve(client, lookups, database)
        finally:
            lookups.close()
            self._loop = None

    async def _serve(
        self, client: httpx.AsyncClient, lookups: addresses.Lookups, database: ThreadPoolExecutor
    ) -> None:
        """Keep the senders busy: claim when half of them are free, when told of new work, or
        every poll interval; record finished attempts in batches, with the next claim."""
        assert self._bell is not None
        bell, size = self._bell, self.settings.webhook_concurrency
        deadline, private = self.settings.webhook_timeout, self.settings.allow_private_receivers
        loop = asyncio.get_running_loop()

        def db(call: Callable[..., T], *args: Any) -> asyncio.Future[T]:
            return loop.run_in_executor(database, call, *args)

        refill = max(1, size // 2)  # free senders worth a claim, unless told of new work
        flying: dict[asyncio.Task[Outcome], Job] = {}
        finished: list[Outcome] = []
        since, claimed_at = 0.0, 0.0
        while not self._halt.is_set():
            now, free = time.monotonic(), size - len(flying)
            poll = now - claimed_at >= self.settings.webhook_poll_interval
            claim = free >= refill or (free > 0 and (bell.is_set() or poll))
            record = bool(finished) and (
                len(finished) >= 100 or not flying or now - since >= RECORD_EVERY
            )
            if claim or record:
                if claim:
                    bell.clear()
                    claimed_at = now
                    if await db(self._fan_out_safely):
                        bell.set()  # more notices wait: queue them at the next turn
                jobs = await db(
                    self._settle_safely, finished if record else [], free if claim else 0
                )
                if record:
                    finished, since = [], 0.0
                for job in jobs:
                    attempt = send(client, lookups, job, deadline, private)
                    flying[asyncio.create_task(attempt)] = job
                if jobs and len(flying) < size:
                    continue  # more may be due, hidden by a receiver at its limit
                if claim and not flying and not finished:
                    await db(self._prune_now_and_then)
            rung = asyncio.ensure_future(bell.wait())
            waiting: set[asyncio.Future[Any]] = {*flying, rung}
            timeout = RECORD_EVERY if finished else self.settings.webhook_poll_interval
            await asyncio.wait(waiting, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
            rung.cancel()
            for task in [t for t in flying if t.done()]:
                finished.append(_outcome(task, flying.pop(task)))
                since = since or time.monotonic()
        finished += await self._finish(flying)
        if finished:
            await db(self._settle_safely, finished, 0)

    async def _finish(self, flying: dict[asyncio.Task[Outcome], Job]) -> list[Outcome]:
        """Stopping: let attempts in flight end for a moment, then interrupt the rest,
        whose deliveries are due again at once (on the next start, or another process)."""
        if not flying:
            return []
        done, rest = await asyncio.wait(flying, timeout=self.grace)
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)
        outcomes = [_outcome(task, flying[task]) for task in done]
        for task in rest:
            job = flying[task]
            elapsed = (datetime.now(UTC) - job.claimed_at).total_seconds()
            outcomes.append(
                Outcome(
                    job.id,
                    job.attempt,
                    job.claimed_at,
                    None,
                    STOPPED,
                    int(elapsed * 1000),
                    interrupted=True,
                )
            )
        return outcomes

    def _fan_out_safely(self) -> bool:
        try:
            return self.fan_out()
        except Exception:  # the cursor stays: the same notices are queued at the next turn
            log.exception("cannot queue notices for the webhooks; will retry")
            return False

    def fan_out(self) -> bool:
        """Queue a slice of the notices that wait for the webhooks, if they may be queued
        now (``fanout.due``); whether more may wait. A reader looks first: the writer's
        transaction is taken only when there is work."""
        with db.reading(self.engine) as connection:
            if not fanout.due(connection):
                return False
        with Session(self.engine) as session:
            queued = fanout.step(session)
            session.commit()
        return queued == fanout.SLICE

    def _settle_safely(self, outcomes: list[Outcome], free: int) -> list[Job]:
        try:
            return self.settle(outcomes, free)
        except Exception:  # the claims expire and the deliveries are tried again
            log.exception("cannot record or claim webhook attempts; will retry")
            return []

    def claim(self, free: int) -> list[Job]:
        return self.settle([], free)

    def record(self, outcomes: list[Outcome]) -> None:
        self.settle(outcomes, 0)

    def settle(self, outcomes: list[Outcome], free: int) -> list[Job]:
        """Record finished attempts, then claim up to ``free`` deliveries: one transaction,
        and the claim sees what the outcomes changed (a receiver that answers again). With
        nothing to record, a reader first looks for work: the writer's transaction (on
        SQLite, the database's one write lock) is taken only when there is some."""
        if not outcomes and not (free and self._anything_due()):
            return []
        with Session(self.engine) as session:
            if outcomes:
                self._record(session, outcomes)
            jobs = self._claim(session, free) if free else []
            session.commit()
        return jobs

    def _anything_due(self) -> bool:
        cap = self.settings.webhook_receiver_concurrency
        with db.reading(self.engine) as connection, Session(bind=connection) as session:
            return repository.anything_due(session, datetime.now(UTC), cap)

    def _prune_now_and_then(self) -> None:
        if time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + PRUNE_EVERY
        before = datetime.now(UTC) - timedelta(days=self.settings.delivery_log_days)
        try:
            with Session(self.engine) as session:
                repository.prune(session, before)
                session.commit()
        except Exception:
            log.exception("cannot prune the delivery log; will try again")

    def _claim(self, session: Session, free: int) -> list[Job]:
        """Up to ``free`` due deliveries, oldest first, within each receiver's limit and
        behind each unavailable receiver's oldest failing entry."""
        moment = datetime.now(UTC)
        cap = self.settings.webhook_receiver_concurrency
        # A receiver's limit may leave some candidates unclaimed: read more than ``free``.
        chosen = _choose(repository.due(session, moment, cap, free * 4), free, cap)
        positions = {(r.ledger_index, r.sub) for r in chosen if not r.body}
        bodies = {
            position: notices.encode(notices.payload(notice, event, self.settings.public_url))
            for position, (notice, event) in notice_repository.notices_at(
                session, positions
            ).items()
        }
        jobs, lost = [], []
        for row in chosen:
            body = row.body or bodies.get((row.ledger_index, row.sub))
            if body is None:  # notices are never deleted; say so rather than loop
                lost.append(row.id)
                continue
            keys = [row.secret]
            until = row.previous_secret_until
            if row.previous_secret and until is not None and until > moment:
                keys.append(row.previous_secret)
            jobs.append(Job(row.id, row.url, keys, body, row.attempts + 1, moment))
        if jobs:
            repository.mark_sending(session, [job.id for job in jobs], moment + self.lease)
        if lost:
            repository.mark_lost(session, lost)
        return jobs

    def _record(self, session: Session, outcomes: list[Outcome]) -> None:
        """Log every attempt, then apply each outcome that still may: a success unless the
        delivery is delivered already, a failure only while the attempt's claim holds."""
        finished = datetime.now(UTC)
        state = repository.lock_states(session, [o.id for o in outcomes])
        known = [o for o in outcomes if o.id in state]  # else its subscription is gone
        if not known:
            return
        repository.log_attempts(session, [o.logged() for o in known])
        delivered: dict[int | None, list[str]] = {}
        for o in known:
            if o.ok and state[o.id][1] != DELIVERED:
                delivered.setdefault(o.status_code, []).append(o.id)
        for status_code, ids in delivered.items():
            repository.mark_delivered(session, ids, status_code, finished)
        recovered = {state[i][0] for ids in delivered.values() for i in ids}
        failed = {  # else stale: its log line is all it leaves
            o.id: o for o in known if not o.ok and state[o.id][1:] == (SENDING, o.attempt)
        }
        gone, exhausted = self._retry_or_end(session, failed, finished)
        session.flush()
        if gone:
            repository.disable(session, gone)
        if recovered:
            repository.release(session, recovered, finished)
        if exhausted:
            window = timedelta(seconds=self.settings.webhook_retry_window)
            repository.expire(session, exhausted, finished - window)

    def _retry_or_end(
        self, session: Session, failed: dict[str, Outcome], finished: datetime
    ) -> tuple[set[str], set[str]]:
        """Schedule each failed delivery's retry, or end it; the subscriptions whose receiver
        is gone, and those whose delivery ran out of retries."""
        schedule = self.settings.webhook_retry_schedule
        exhausted, gone = set(), set()
        for delivery in repository.deliveries(session, list(failed)):
            o = failed[delivery.id]
            session.add(delivery)
            if o.interrupted:  # it says nothing of the receiver: due again at once
                delivery.status, delivery.next_attempt_at = PENDING, finished
                continue
            delivery.last_status, delivery.last_error = o.status_code, o.error
            if o.status_code == retries.GONE:
                delivery.status = DEAD
                gone.add(delivery.subscription_id)
            elif delivery.attempts > len(schedule):
                delivery.status = DEAD
                exhausted.add(delivery.subscription_id)
            else:
                pause = retries.delay(delivery.attempts, schedule, o.retry_after)
                delivery.status = PENDING
                delivery.next_attempt_at = finished + timedelta(seconds=pause)
                left = sum(schedule[delivery.attempts :]) + pause  # the last retry, about
                delivery.retry_until = finished + timedelta(seconds=left)
        return gone, exhausted


def _outcome(task: "asyncio.Task[Outcome]", job: Job) -> Outcome:
    """What came of an attempt; a failed one if it raised (``send`` catches what it can,
    so this is a fault of ours), for one attempt must not end the worker."""
    failure = task.exception()
    if failure is None:
        return task.result()
    log.error("a webhook attempt raised", exc_info=failure, extra={"delivery": job.id})
    elapsed = (datetime.now(UTC) - job.claimed_at).total_seconds()
    error = f"the attempt failed unexpectedly ({type(failure).__name__})"
    return Outcome(job.id, job.attempt, job.claimed_at, None, error, int(elapsed * 1000))


def _choose(rows: Sequence[Any], free: int, cap: int) -> list[Any]:
    """Of the candidates, oldest first, up to ``free``: no receiver past ``cap`` attempts at
    once, and a receiver that was down gets its probe alone."""
    chosen: list[Any] = []
    taken: dict[str, int] = {}
    probing: set[str] = set()
    for row in rows:
        sub_id = row.subscription_id
        if len(chosen) == free:
            break
        if sub_id in probing or int(row.flying) + taken.get(sub_id, 0) >= cap:
            continue
        if retries.held_back(row.ledger_index, row.last_status, row.last_error):
            if taken.get(sub_id):  # the probe of a receiver that was down goes alone
                continue
            probing.add(sub_id)
        taken[sub_id] = taken.get(sub_id, 0) + 1
        chosen.append(row)
    return chosen
