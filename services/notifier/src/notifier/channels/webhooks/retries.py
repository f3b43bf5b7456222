"""When a failed delivery is tried again: the schedule's step with jitter, what a receiver's
``Retry-After`` asks, and which failures say the receiver is down rather than refusing one
message (newer entries then wait behind its oldest failing one)."""

import random
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

GONE = 410
UNAVAILABLE = (408, 429)  # with 5xx and no answer: the receiver is down, not refusing a message


def held_back(ledger_index: int | None, last_status: int | None, last_error: str | None) -> bool:
    """A ledger entry whose last attempt found its receiver unavailable: newer ones wait."""
    return (
        ledger_index is not None
        and last_error is not None
        and (last_status is None or last_status >= 500 or last_status in UNAVAILABLE)
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
    if value.isascii() and value.isdigit():  # "²" is a digit to Python, not to HTTP
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
