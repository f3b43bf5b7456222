"""One attempt to deliver a message: what is sent (a claimed delivery), how, and what came of it.

An attempt runs under one deadline for the whole exchange, resolves the receiver
once, checks its address (unless private receivers are allowed) and connects to
that very address, and never reads the answer's body (it may be anything); its
outcome is recorded by the worker.
"""

import asyncio
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from prometheus_client import Counter, Histogram

from notifier.channels.webhooks import addresses, retries, signing

log = logging.getLogger(__name__)

ATTEMPTS = Counter("notifier_webhook_attempts_total", "Webhook attempts", ["outcome"])
LATENCY = Histogram("notifier_webhook_attempt_seconds", "Time a receiver took to answer")


@dataclass(frozen=True)
class Job:
    """A claimed delivery: its ``webhook-id``, receiver, signing keys and attempt number."""

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

    def logged(self) -> dict[str, Any]:
        """The attempt's line in the delivery log."""
        return {
            "delivery_id": self.id,
            "number": self.attempt,
            "at": self.at,
            "status_code": self.status_code,
            "error": self.error,
            "duration_ms": self.duration_ms,
        }


async def send(
    client: httpx.AsyncClient,
    lookups: addresses.Lookups,
    job: Job,
    timeout: float,
    allow_private: bool,
) -> Outcome:
    started = time.perf_counter()
    moment = datetime.now(UTC)
    status: int | None = None
    error: str | None = None
    wait: float | None = None
    try:
        async with asyncio.timeout(timeout):
            target = await lookups.pin(job.url, allow_private=allow_private)
            async with client.stream(  # the answer's body is never read: it may be anything
                "POST",
                target.url,
                content=job.body.encode(),
                headers={
                    **signing.headers(job.id, job.body, job.keys, moment),
                    "Host": target.host,
                },
                extensions={"sni_hostname": target.sni} if target.sni else {},
            ) as response:
                status = response.status_code
                wait = retries.retry_after(response.headers.get("retry-after"), moment)
        if not 200 <= status < 300:
            error = f"the receiver answered {status}"
    except addresses.ReceiverRefusedError as exc:
        error = str(exc)
    except (TimeoutError, httpx.TimeoutException):
        error = f"no answer within {timeout} s"
    except (httpx.HTTPError, OSError) as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
    except Exception as exc:  # a fault of ours: this attempt fails, the worker goes on
        log.exception("a webhook attempt failed unexpectedly", extra={"delivery": job.id})
        error = f"the attempt failed unexpectedly ({type(exc).__name__})"
    elapsed = time.perf_counter() - started
    LATENCY.observe(elapsed)
    ok = status is not None and 200 <= status < 300
    ATTEMPTS.labels("delivered" if ok else "failed").inc()
    return Outcome(job.id, job.attempt, moment, status, error, int(elapsed * 1000), wait)
