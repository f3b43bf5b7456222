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
until their deadline, and the others serve everyone else.

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
import random
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any, TypeVar

import httpx
from prometheus_client import Counter, Histogram
from sqlalchemy import ColumnElement, Engine, and_, bindparam, case, func, insert, or_, update
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from notifier.channels import notices
from notifier.channels.models import Delivery, DeliveryAttempt, Notice, Subscription
from notifier.channels.webhooks import addresses, service, signing
from notifier.settings import Settings

log = logging.getLogger(__name__)

ATTEMPTS = Counter("notifier_webhook_attempts_total", "Webhook attempts", ["outcome"])
LATENCY = Histogram("notifier_webhook_attempt_seconds", "Time a receiver took to answer")

GONE = 410
UNAVAILABLE = (408, 429)  # with 5xx and no answer: the receiver is down, not refusing a message
PRUNE_EVERY = 3600.0
RECORD_EVERY = 0.05  # seconds an attempt's outcome may wait to be recorded with others
LEASE_MARGIN = 30.0  # seconds a claim outlasts the attempt's deadline, to record its outcome
SHUTDOWN_GRACE = 5.0  # seconds attempts in flight may finish when the service stops
STOPPED = "the notifier stopped before the receiver answered"

T = TypeVar("T")


@dataclass(frozen=True)
class Job:
    id: str
    url: str
    keys: list[str]
    body: str
    attempt: int
    claimed_at: datetime


@dataclass(frozen=True)
class Outcome:
    id: str
    attempt: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int
    retry_after: float | None = None
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


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
        try:
            with ThreadPoolExecutor(1, thread_name_prefix="webhook-db") as database:
                async with httpx.AsyncClient(
                    timeout=self.settings.webhook_timeout, follow_redirects=False, limits=limits
                ) as client:
                    await self._serve(client, database)
        finally:
            self._loop = None

    async def _serve(self, client: httpx.AsyncClient, database: ThreadPoolExecutor) -> None:
        """Keep the senders busy: claim when half of them are free, when told of new work, or
        every poll interval; record finished attempts in batches, with the next claim."""
        assert self._bell is not None
        bell, size = self._bell, self.settings.webhook_concurrency
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
                jobs = await db(
                    self._settle_safely, finished if record else [], free if claim else 0
                )
                if record:
                    finished, since = [], 0.0
                for job in jobs:
                    flying[asyncio.create_task(self.send(client, job))] = job
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
                del flying[task]
                finished.append(task.result())
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
        outcomes = [task.result() for task in done]
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
        and the claim sees what the outcomes changed (a receiver that answers again)."""
        with Session(self.engine) as session:
            if outcomes:
                self._record(session, outcomes)
            jobs = self._claim(session, free) if free else []
            session.commit()
        return jobs

    def _prune_now_and_then(self) -> None:
        if time.monotonic() < self._next_prune:
            return
        self._next_prune = time.monotonic() + PRUNE_EVERY
        before = datetime.now(UTC) - timedelta(days=self.settings.delivery_log_days)
        try:
            with Session(self.engine) as session:
                service.prune(session, before)
                session.commit()
        except Exception:
            log.exception("cannot prune the delivery log; will try again")

    def _claim(self, session: Session, free: int) -> list[Job]:
        """Up to ``free`` due deliveries, oldest first, within each receiver's limit and
        behind each unavailable receiver's oldest failing entry."""
        moment = datetime.now(UTC)
        cap = self.settings.webhook_receiver_concurrency
        # A receiver's limit may leave some candidates unclaimed: read more than ``free``.
        params = {"moment": moment, "cap": cap, "limit": free * 4}
        query = CANDIDATES
        if session.get_bind().dialect.name == "postgresql":
            # One claimer at a time per receiver, in every process: what is counted in
            # flight is then all there is, as each statement reads afresh. (SQLite lets
            # one writer in at a time anyway.)
            wanted = set(session.exec(CANDIDATE_RECEIVERS, params=params).all())
            receiving = session.exec(
                select(Subscription.id)
                .where(col(Subscription.id).in_(wanted))
                .with_for_update(skip_locked=True, key_share=True)
            ).all()
            query, params = CANDIDATES_OF, {**params, "receiving": list(receiving)}
        rows = session.execute(query, params).all()
        chosen: list[Any] = []
        taken: dict[str, int] = {}
        probing: set[str] = set()
        for row in rows:
            sub_id = row.subscription_id
            if len(chosen) == free:
                break
            if sub_id in probing or int(row.flying) + taken.get(sub_id, 0) >= cap:
                continue
            if held_back(row.ledger_index, row.last_status, row.last_error):
                if taken.get(sub_id):  # the probe of a receiver that was down goes alone
                    continue
                probing.add(sub_id)
            taken[sub_id] = taken.get(sub_id, 0) + 1
            chosen.append(row)
        bodies = self._bodies(session, {(r.ledger_index, r.sub) for r in chosen if not r.body})
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
            session.connection().execute(
                update(Delivery)
                .where(col(Delivery.id).in_([job.id for job in jobs]))
                .values(
                    status=service.SENDING,
                    attempts=col(Delivery.attempts) + 1,
                    next_attempt_at=moment + self.lease,
                )
            )
        if lost:
            session.connection().execute(
                update(Delivery)
                .where(col(Delivery.id).in_(lost))
                .values(status=service.DEAD, last_error="its notice is gone")
            )
        return jobs

    def _bodies(
        self, session: Session, positions: set[tuple[int | None, int | None]]
    ) -> dict[tuple[int | None, int | None], str]:
        found: dict[tuple[int | None, int | None], str] = {}
        for index, sub in positions:
            notice = session.get(Notice, (index, sub))
            if notice is not None:
                found[(index, sub)] = notices.encode(
                    notices.payload(notice, self.settings.public_url)
                )
        return found

    async def send(self, client: httpx.AsyncClient, job: Job) -> Outcome:
        started = time.perf_counter()
        moment = datetime.now(UTC)
        status: int | None = None
        error: str | None = None
        wait: float | None = None
        try:
            async with asyncio.timeout(self.settings.webhook_timeout):
                if not self.settings.allow_private_receivers:
                    await asyncio.to_thread(addresses.check_reachable, job.url)
                async with client.stream(  # the answer's body is never read: it may be anything
                    "POST",
                    job.url,
                    content=job.body.encode(),
                    headers=signing.headers(job.id, job.body, job.keys, moment),
                ) as response:
                    status = response.status_code
                    wait = retry_after(response.headers.get("retry-after"), moment)
            if not 200 <= status < 300:
                error = f"the receiver answered {status}"
        except addresses.ReceiverRefusedError as exc:
            error = str(exc)
        except (TimeoutError, httpx.TimeoutException):
            error = f"no answer within {self.settings.webhook_timeout} s"
        except (httpx.HTTPError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        elapsed = time.perf_counter() - started
        LATENCY.observe(elapsed)
        ok = status is not None and 200 <= status < 300
        ATTEMPTS.labels("delivered" if ok else "failed").inc()
        return Outcome(job.id, job.attempt, moment, status, error, int(elapsed * 1000), wait)

    def _record(self, session: Session, outcomes: list[Outcome]) -> None:
        """Log every attempt, then apply each outcome that still may: a success unless the
        delivery is delivered already, a failure only while the attempt's claim holds."""
        schedule = self.settings.webhook_retry_schedule
        window = timedelta(seconds=self.settings.webhook_retry_window)
        finished = datetime.now(UTC)
        state = {  # id: (subscription, status, attempt number)
            row[0]: row[1:]
            for row in session.exec(
                select(Delivery.id, Delivery.subscription_id, Delivery.status, Delivery.attempts)
                .where(col(Delivery.id).in_([o.id for o in outcomes]))
                .with_for_update()
            ).all()
        }
        known = [o for o in outcomes if o.id in state]  # else its subscription is gone
        if not known:
            return
        session.connection().execute(
            insert(DeliveryAttempt),
            [
                {
                    "delivery_id": o.id,
                    "number": o.attempt,
                    "at": o.at,
                    "status_code": o.status_code,
                    "error": o.error,
                    "duration_ms": o.duration_ms,
                }
                for o in known
            ],
        )
        delivered: dict[int | None, list[str]] = {}
        for o in known:
            if o.ok and state[o.id][1] != service.DELIVERED:
                delivered.setdefault(o.status_code, []).append(o.id)
        for status_code, ids in delivered.items():
            session.connection().execute(
                update(Delivery)
                .where(col(Delivery.id).in_(ids))
                .values(
                    status=service.DELIVERED,
                    delivered_at=finished,
                    last_status=status_code,
                    last_error=None,
                )
            )
        recovered = {state[i][0] for ids in delivered.values() for i in ids}
        failed = {  # else stale: its log line is all it leaves
            o.id: o for o in known if not o.ok and state[o.id][1:] == (service.SENDING, o.attempt)
        }
        exhausted, gone = set(), set()
        for delivery in session.exec(select(Delivery).where(col(Delivery.id).in_(failed))).all():
            o = failed[delivery.id]
            session.add(delivery)
            if o.interrupted:  # it says nothing of the receiver: due again at once
                delivery.status, delivery.next_attempt_at = service.PENDING, finished
                continue
            delivery.last_status, delivery.last_error = o.status_code, o.error
            if o.status_code == GONE:
                delivery.status = service.DEAD
                gone.add(delivery.subscription_id)
            elif delivery.attempts > len(schedule):
                delivery.status = service.DEAD
                exhausted.add(delivery.subscription_id)
            else:
                pause = delay(delivery.attempts, schedule, o.retry_after)
                delivery.status = service.PENDING
                delivery.next_attempt_at = finished + timedelta(seconds=pause)
                left = sum(schedule[delivery.attempts :]) + pause  # the last retry, about
                delivery.retry_until = finished + timedelta(seconds=left)
        session.flush()
        if gone:
            _disable(session, gone)
        if recovered:
            _release(session, recovered, finished)
        if exhausted:
            _expire(session, exhausted, finished - window)


def _candidates() -> tuple[Any, Any, Any]:
    """The claim's queries, built once, taking ``moment``, ``cap`` and ``limit``: the due
    deliveries a claim may take, oldest first (each receiver's attempts in flight beside
    them), the receivers of those, and the first restricted to ``receiving``."""
    moment = bindparam("moment", type_=UTCDateTime())  # the type of the columns it meets
    receivers = (
        select(
            col(Delivery.subscription_id).label("subscription_id"),
            func.sum(case((col(Delivery.status) == service.SENDING, 1), else_=0)).label("flying"),
            func.min(case((_holds_back(), col(Delivery.created_at)))).label("since"),
        )
        .where(col(Delivery.status).in_(service.OPEN))
        .where(col(Delivery.next_attempt_at) > moment)  # in flight, or waiting for a retry
        .group_by(col(Delivery.subscription_id))
        .subquery()
    )
    flying = func.coalesce(receivers.c.flying, 0)

    def candidates(*columns: Any) -> Any:
        return (
            select(*columns)
            .join(Subscription, col(Subscription.id) == col(Delivery.subscription_id))
            .outerjoin(receivers, receivers.c.subscription_id == col(Delivery.subscription_id))
            .where(col(Subscription.status) == "active")
            .where(col(Delivery.status).in_(service.OPEN))
            .where(col(Delivery.next_attempt_at) <= moment)
            .where(flying < bindparam("cap"))
            .where(
                or_(
                    receivers.c.since.is_(None),
                    col(Delivery.ledger_index).is_(None),
                    col(Delivery.created_at) < receivers.c.since,
                )
            )
            .order_by(col(Delivery.created_at), col(Delivery.id))
            .limit(bindparam("limit"))
        )

    deliveries = candidates(
        col(Delivery.id),
        col(Delivery.ledger_index),
        col(Delivery.sub),
        col(Delivery.body),
        col(Delivery.attempts),
        col(Delivery.last_status),
        col(Delivery.last_error),
        col(Subscription.id).label("subscription_id"),
        col(Subscription.url),
        col(Subscription.secret),
        col(Subscription.previous_secret),
        col(Subscription.previous_secret_until),
        flying.label("flying"),
    ).with_for_update(skip_locked=True, of=Delivery)
    of = col(Delivery.subscription_id).in_(bindparam("receiving", expanding=True))
    return deliveries, candidates(col(Delivery.subscription_id)), deliveries.where(of)


def held_back(ledger_index: int | None, last_status: int | None, last_error: str | None) -> bool:
    """A ledger entry whose last attempt found its receiver unavailable: newer ones wait."""
    return (
        ledger_index is not None
        and last_error is not None
        and (last_status is None or last_status >= 500 or last_status in UNAVAILABLE)
    )


def _holds_back() -> ColumnElement[bool]:
    """``held_back`` in SQL."""
    return and_(col(Delivery.ledger_index).is_not(None), _unavailable())


def _unavailable() -> ColumnElement[bool]:
    status = col(Delivery.last_status)
    return and_(
        col(Delivery.last_error).is_not(None),
        or_(status.is_(None), status >= 500, status.in_(UNAVAILABLE)),
    )


def _release(session: Session, subscription_ids: set[str], moment: datetime) -> None:
    """The receiver answers again: what waits for a retry because it was down is due now,
    as if never tried (each attempt's error stays in the log), so it goes in order, several
    at once, rather than one probe at a time."""
    session.connection().execute(
        update(Delivery)
        .where(col(Delivery.subscription_id).in_(subscription_ids))
        .where(col(Delivery.status) == service.PENDING)
        .where(col(Delivery.next_attempt_at) > moment)
        .where(_unavailable())
        .values(next_attempt_at=moment, last_status=None, last_error=None)
    )


def _expire(session: Session, subscription_ids: set[str], made_before: datetime) -> None:
    """Entries that waited behind a dead one for the whole retry window die with it,
    rather than each being tried once more against a receiver that stayed down."""
    session.connection().execute(
        update(Delivery)
        .where(col(Delivery.subscription_id).in_(subscription_ids))
        .where(col(Delivery.status) == service.PENDING)
        .where(col(Delivery.attempts) == 0)
        .where(col(Delivery.created_at) <= made_before)
        .values(
            status=service.DEAD,
            last_error="never sent: the receiver was unavailable for the whole retry window",
        )
    )


def _disable(session: Session, subscription_ids: set[str]) -> None:
    """A receiver that answers 410 Gone asks to hear no more (Standard Webhooks)."""
    session.connection().execute(
        update(Subscription)
        .where(col(Subscription.id).in_(subscription_ids))
        .values(status="disabled")
    )
    service.changed(session)
    session.connection().execute(
        update(Delivery)
        .where(col(Delivery.subscription_id).in_(subscription_ids))
        .where(col(Delivery.status).in_(service.OPEN))
        .values(
            status=service.DEAD,
            last_error="the receiver answered 410 Gone; subscription disabled",
        )
    )


def delay(attempts: int, schedule: Sequence[float], asked: float | None) -> float:
    """Seconds before the retry after failed attempt ``attempts``: the schedule's step with
    up to 10% jitter, or what the receiver asked if longer, up to the schedule's longest."""
    step = schedule[min(attempts, len(schedule)) - 1] * (1 + random.uniform(0, 0.1))
    return max(step, min(asked, max(schedule))) if asked else step


def retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds that a ``Retry-After`` header asks for (a number or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


CANDIDATES, CANDIDATE_RECEIVERS, CANDIDATES_OF = _candidates()
