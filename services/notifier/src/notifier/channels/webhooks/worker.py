"""The delivery worker: claims due deliveries, signs and sends them, records the outcome.

A claim pushes the delivery's next attempt past a lease, so a crash mid-send
only delays it; the resend carries the same ``webhook-id``, by which receivers
recognise a message they already have. Failures back off exponentially until
the retry window (a day and more) closes, then the delivery is dead-lettered.
"""

import asyncio
import contextlib
import logging
import random
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import httpx
from prometheus_client import Counter, Histogram
from sqlalchemy import Engine
from sqlmodel import Session, col, select

from notifier.channels import notices
from notifier.channels.models import Delivery, DeliveryAttempt, Notice, Subscription
from notifier.channels.webhooks import addresses, signing
from notifier.settings import Settings

log = logging.getLogger(__name__)

ATTEMPTS = Counter("notifier_webhook_attempts_total", "Webhook attempts", ["outcome"])
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
    def __init__(self, engine: Engine, settings: Settings) -> None:
        super().__init__(name="webhook-delivery", daemon=True)
        self.engine, self.settings = engine, settings
        self.lease = timedelta(seconds=settings.webhook_timeout * 2 + 30)
        self._halt = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._bell: asyncio.Event | None = None

    def wake(self) -> None:
        loop, bell = self._loop, self._bell
        if loop is not None and bell is not None and not loop.is_closed():
            loop.call_soon_threadsafe(bell.set)

    def stop(self) -> None:
        self._halt.set()
        self.wake()
        self.join(timeout=15)

    def run(self) -> None:
        asyncio.run(self._main())

    async def _main(self) -> None:
        self._loop, self._bell = asyncio.get_running_loop(), asyncio.Event()
        notices.listen(self.wake)
        limits = httpx.Limits(max_connections=self.settings.webhook_concurrency)
        try:
            async with httpx.AsyncClient(
                timeout=self.settings.webhook_timeout, follow_redirects=False, limits=limits
            ) as client:
                while not self._halt.is_set():
                    try:
                        sent = await self.round(client)
                    except Exception:
                        log.exception("webhook delivery round failed; will retry")
                        sent = 0
                    if sent < self.settings.webhook_batch and not self._halt.is_set():
                        self._bell.clear()
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(
                                self._bell.wait(), self.settings.webhook_poll_interval
                            )
        finally:
            notices.unlisten(self.wake)

    async def round(self, client: httpx.AsyncClient) -> int:
        """Send one batch of due deliveries; return how many were attempted."""
        jobs = await asyncio.to_thread(self.claim)
        if not jobs:
            return 0
        gate = asyncio.Semaphore(self.settings.webhook_concurrency)

        async def send(job: Job) -> Outcome:
            async with gate:
                return await self.send(client, job)

        outcomes = await asyncio.gather(*(send(job) for job in jobs))
        await asyncio.to_thread(self.record, outcomes)
        return len(jobs)

    def claim(self) -> list[Job]:
        moment = datetime.now(UTC)
        with Session(self.engine) as session:
            rows = session.exec(
                select(Delivery, Subscription)
                .join(Subscription, col(Subscription.id) == col(Delivery.subscription_id))
                .where(col(Delivery.status) == "pending")
                .where(col(Delivery.next_attempt_at) <= moment)
                .order_by(col(Delivery.next_attempt_at))
                .limit(self.settings.webhook_batch)
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

    async def send(self, client: httpx.AsyncClient, job: Job) -> Outcome:
        started = time.perf_counter()
        moment = datetime.now(UTC)
        status, error = None, None
        try:
            if not self.settings.allow_private_receivers:
                host, port = addresses.host_and_port(job.url)
                infos = await asyncio.get_running_loop().getaddrinfo(host, port)
                addresses.refuse_private([str(info[4][0]) for info in infos])
            response = await client.post(
                job.url,
                content=job.body.encode(),
                headers=signing.headers(job.id, job.body, job.keys, moment),
            )
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
        settings = self.settings
        window = timedelta(seconds=settings.webhook_retry_window)
        with Session(self.engine) as session:
            for outcome in outcomes:
                delivery = session.get(Delivery, outcome.id)
                if delivery is None:  # its subscription was deleted meanwhile
                    continue
                delivery.attempts += 1
                delivery.last_status, delivery.last_error = outcome.status_code, outcome.error
                session.add(
                    DeliveryAttempt(
                        delivery_id=delivery.id,
                        number=delivery.attempts,
                        at=outcome.at,
                        status_code=outcome.status_code,
                        error=outcome.error,
                        duration_ms=outcome.duration_ms,
                    )
                )
                deadline = max(delivery.retry_until, delivery.created_at + window)
                delivery.retry_until = deadline
                finished = datetime.now(UTC)
                if outcome.ok:
                    delivery.status, delivery.delivered_at = "delivered", finished
                elif finished >= deadline:
                    delivery.status = "dead"
                else:
                    delivery.next_attempt_at = finished + timedelta(
                        seconds=backoff(delivery.attempts, settings)
                    )
                session.add(delivery)
            session.commit()


def backoff(attempts: int, settings: Settings) -> float:
    """Seconds before the next try: the base, doubled per failure, capped, with 10% jitter."""
    delay = min(
        settings.webhook_retry_base * 2.0 ** min(attempts - 1, 40),
        settings.webhook_retry_max_delay,
    )
    return delay * (1 + random.uniform(0, 0.1))
