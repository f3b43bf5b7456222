"""The delivery worker: claims due deliveries, signs and sends them, records the outcome.

A claim pushes the delivery's next attempt past a lease, so a crash mid-send
only delays it; the resend carries the same ``webhook-id``, by which receivers
recognise a message they already have. Failures back off exponentially until
the retry window (a day and more) closes, then the delivery is dead-lettered.
"""

import logging
import random
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client import Counter, Histogram
from sqlalchemy import Engine, insert, update
from sqlmodel import Session, col, select

from notifier.channels import notices
from notifier.channels.models import Delivery, DeliveryAttempt, Notice, Subscription
from notifier.channels.webhooks import addresses, service, signing
from notifier.settings import Settings

log = logging.getLogger(__name__)

ATTEMPTS = Counter("notifier_webhook_attempts_total", "Webhook attempts", ["outcome"])
GONE = 410
PRUNE_EVERY = 3600.0
RECORD_EVERY = 0.05  # seconds an attempt's outcome may wait to be recorded with others
LATENCY = Histogram("notifier_webhook_attempt_seconds", "Time a receiver took to answer")


@dataclass(frozen=True)
class Job:
    id: str
    url: str
    keys: list[str]
    body: str


@dataclass(frozen=True)
class Outcome:
    id: str
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int

    @property
    def ok(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


class DeliveryWorker(threading.Thread):
    """Sends due deliveries from a pool of threads sharing one HTTP connection pool."""

    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(name="webhook-delivery", daemon=True)
        self.engine, self.settings = engine, settings
        self.lease = timedelta(seconds=settings.webhook_timeout * 2 + 30)
        self._halt, self._bell = threading.Event(), threading.Event()
        self._next_prune = 0.0

    def wake(self) -> None:
        self._bell.set()

    def stop(self) -> None:
        self._halt.set()
        self._bell.set()
        self.join(timeout=self.settings.webhook_timeout + 15)

    def run(self) -> None:
        settings = self.settings
        notices.listen(self.wake)
        size = settings.webhook_concurrency
        limits = httpx.Limits(max_connections=size, max_keepalive_connections=size)
        try:
            with (
                httpx.Client(
                    timeout=settings.webhook_timeout, follow_redirects=False, limits=limits
                ) as client,
                ThreadPoolExecutor(size, thread_name_prefix="webhook-send") as pool,
            ):
                self._serve(client, pool)
        finally:
            notices.unlisten(self.wake)

    def _serve(self, client: httpx.Client, pool: ThreadPoolExecutor) -> None:
        """Keep the pool busy: claim when it runs low, record finished attempts in batches.

        A slow receiver holds one thread until its timeout, never the others.
        """
        settings, size = self.settings, self.settings.webhook_concurrency
        flying: set[Future[Outcome]] = set()
        finished: list[Outcome] = []
        since = 0.0
        while not self._halt.is_set() or flying or finished:
            claimed = 0
            if len(flying) <= size and not self._halt.is_set():
                self._bell.clear()
                try:
                    jobs = self.claim(settings.webhook_batch - len(flying))
                except Exception:
                    log.exception("cannot claim webhook deliveries; will retry")
                    jobs = []
                claimed = len(jobs)
                flying.update(pool.submit(self.send, client, job) for job in jobs)
            if flying:
                timeout = RECORD_EVERY if finished else settings.webhook_poll_interval
                done, flying = wait(flying, timeout=timeout, return_when=FIRST_COMPLETED)
                if done and not finished:
                    since = time.monotonic()
                finished.extend(future.result() for future in done)
            if finished and (
                len(finished) >= 100 or not flying or time.monotonic() - since >= RECORD_EVERY
            ):
                self._record_safely(finished)
                finished = []
            if not flying and not finished and claimed == 0:
                self._prune_now_and_then()
                self._bell.wait(settings.webhook_poll_interval)

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

    def _record_safely(self, outcomes: list[Outcome]) -> None:
        try:
            self.record(outcomes)
        except Exception:  # the lease expires and the deliveries are tried again
            log.exception("cannot record webhook attempts; they will be retried")

    def claim(self, limit: int) -> list[Job]:
        moment = datetime.now(UTC)
        with Session(self.engine) as session:
            rows = session.exec(
                select(Delivery, Subscription)
                .join(Subscription, col(Subscription.id) == col(Delivery.subscription_id))
                .where(col(Delivery.status) == "pending")
                .where(col(Delivery.next_attempt_at) <= moment)
                .order_by(col(Delivery.next_attempt_at))
                .limit(limit)
                .with_for_update(skip_locked=True, of=Delivery)
            ).all()
            needed = {(d.ledger_index, d.sub) for d, _ in rows if d.body is None}
            bodies = self._bodies(session, needed)
            jobs = []
            for delivery, sub in rows:
                delivery.next_attempt_at = moment + self.lease
                session.add(delivery)
                body = delivery.body or bodies.get((delivery.ledger_index, delivery.sub))
                if body is None:
                    continue
                keys = [sub.secret]
                until = sub.previous_secret_until
                if sub.previous_secret and until is not None and until > moment:
                    keys.append(sub.previous_secret)
                jobs.append(Job(delivery.id, sub.url, keys, body))
            session.commit()
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

    def send(self, client: httpx.Client, job: Job) -> Outcome:
        started = time.perf_counter()
        moment = datetime.now(UTC)
        status, error = None, None
        try:
            if not self.settings.allow_private_receivers:
                addresses.check_reachable(job.url)
            with client.stream(  # the answer's body is never read: it may be anything
                "POST",
                job.url,
                content=job.body.encode(),
                headers=signing.headers(job.id, job.body, job.keys, moment),
            ) as response:
                status = response.status_code
            if not 200 <= status < 300:
                error = f"the receiver answered {status}"
        except addresses.ReceiverRefusedError as exc:
            error = str(exc)
        except httpx.TimeoutException:
            error = f"no answer within {self.settings.webhook_timeout} s"
        except (httpx.HTTPError, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        elapsed = time.perf_counter() - started
        LATENCY.observe(elapsed)
        ok = status is not None and 200 <= status < 300
        ATTEMPTS.labels("delivered" if ok else "failed").inc()
        return Outcome(job.id, moment, status, error, int(elapsed * 1000))

    def record(self, outcomes: list[Outcome]) -> None:
        """Log every attempt; mark successes in bulk, schedule or dead-letter failures."""
        settings = self.settings
        window = timedelta(seconds=settings.webhook_retry_window)
        finished = datetime.now(UTC)
        with Session(self.engine) as session:
            rows = session.exec(
                select(Delivery.id, Delivery.attempts).where(
                    col(Delivery.id).in_([o.id for o in outcomes])
                )
            ).all()
            attempts = {str(row[0]): int(row[1]) + 1 for row in rows}
            known = [o for o in outcomes if o.id in attempts]  # else its subscription is gone
            if not known:
                return
            session.connection().execute(
                insert(DeliveryAttempt),
                [
                    {
                        "delivery_id": o.id,
                        "number": attempts[o.id],
                        "at": o.at,
                        "status_code": o.status_code,
                        "error": o.error,
                        "duration_ms": o.duration_ms,
                    }
                    for o in known
                ],
            )
            by_status: dict[int | None, list[str]] = {}
            for o in known:
                if o.ok:
                    by_status.setdefault(o.status_code, []).append(o.id)
            for status_code, ids in by_status.items():
                session.connection().execute(
                    update(Delivery)
                    .where(col(Delivery.id).in_(ids))
                    .values(
                        status="delivered",
                        delivered_at=finished,
                        attempts=col(Delivery.attempts) + 1,
                        last_status=status_code,
                        last_error=None,
                    )
                )
            failed = {o.id: o for o in known if not o.ok}
            gone: set[str] = set()
            if failed:
                for delivery in session.exec(
                    select(Delivery).where(col(Delivery.id).in_(list(failed)))
                ).all():
                    outcome = failed[delivery.id]
                    delivery.attempts += 1
                    delivery.last_status, delivery.last_error = outcome.status_code, outcome.error
                    deadline = max(delivery.retry_until, delivery.created_at + window)
                    delivery.retry_until = deadline
                    if outcome.status_code == GONE:
                        delivery.status = "dead"
                        gone.add(delivery.subscription_id)
                    elif finished >= deadline:
                        delivery.status = "dead"
                    else:
                        delay = backoff(delivery.attempts, settings)
                        delivery.next_attempt_at = finished + timedelta(seconds=delay)
                    session.add(delivery)
            if gone:
                _disable(session, gone)
            session.commit()


def _disable(session: Session, subscription_ids: set[str]) -> None:
    """A receiver that answers 410 Gone asks to hear no more (Standard Webhooks)."""
    session.flush()
    session.connection().execute(
        update(Subscription)
        .where(col(Subscription.id).in_(subscription_ids))
        .values(status="disabled")
    )
    session.connection().execute(
        update(Delivery)
        .where(col(Delivery.subscription_id).in_(subscription_ids))
        .where(col(Delivery.status) == "pending")
        .values(status="dead", last_error="the receiver answered 410 Gone; subscription disabled")
    )


def backoff(attempts: int, settings: Settings) -> float:
    """Seconds before the next try: the base, doubled per failure, capped, with 10% jitter."""
    delay = min(
        settings.webhook_retry_base * 2.0 ** min(attempts - 1, 40),
        settings.webhook_retry_max_delay,
    )
    return delay * (1 + random.uniform(0, 0.1))
