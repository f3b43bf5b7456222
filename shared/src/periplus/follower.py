"""Follow a feed: where this service stands, what comes after it, and applying that.

The model is the eventsourcing library's follower. A feed's position lives in
the follower's own database; what follows it is fetched from the source; the
batch and the new position are written in one transaction, so a crash between
the two cannot happen and a batch delivered again starts from a position that
has passed it, a no-op. The ledger follows each source's catch-up endpoint
(``ledger.ingest``), the notifier follows the ledger (``notifier.ingest``).

The rules every follower keeps:

- a fetch runs outside any transaction, with the HTTP client's short timeouts,
  so a source that hangs holds no lock and no other feed's writes;
- a feed whose source fails backs off alone, ever later with jitter, and says
  so once when it fails and once when it answers again; a source that answers
  but has nothing to give yet (``NotYetError``) is asked again soon, and that
  is no failure;
- a record that cannot be applied is quarantined on its own, in a savepoint
  (``periplus.isolation.apply_isolated``), inside the feed's ``apply``: it
  never takes the batch down with it.
"""

import logging
import random
import time
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import partial
from typing import Protocol, TypeVar

from sqlalchemy import Engine
from sqlmodel import Session

log = logging.getLogger(__name__)

P = TypeVar("P")
B = TypeVar("B")
T = TypeVar("T")


class FetchError(Exception):
    """The source could not be read, or answered something unusable: back off and retry."""


class NotYetError(FetchError):
    """The source answers, but has nothing to give yet: a normal state while it starts
    (a ledger whose checkpoints no witness quorum has cosigned yet), not an outage. It
    is asked again after the back-off's first delay, never later, and said once, as news."""


class Backoff:
    """When each key (a source) may be tried again after failures: ``first`` seconds,
    doubling up to ``most``, each spread by up to ``jitter`` of itself so that many
    followers of one source do not return together.

    The first failure and the recovery are logged once each, so a source down for
    an hour is two lines, not one a try. ``clock`` is ``time.monotonic``; a test
    may pass its own.
    """

    def __init__(
        self,
        what: str,
        first: float = 0.5,
        most: float = 60.0,
        jitter: float = 0.2,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.what, self.first, self.most, self.jitter = what, first, most, jitter
        self.clock = clock
        self._failures: dict[str, int] = {}
        self._errors: dict[str, str] = {}  # the last failure of each key failing
        self._pending: dict[str, str] = {}  # why each key that has nothing yet has nothing
        self._retry_at: dict[str, float] = {}

    def ready(self, key: str) -> bool:
        """Whether ``key`` may be tried now."""
        return self.clock() >= self._retry_at.get(key, float("-inf"))

    def failing(self, key: str) -> bool:
        return key in self._failures

    def failure(self, key: str) -> str | None:
        """The last failure of ``key`` while it is failing."""
        return self._errors.get(key)

    def pending(self, key: str) -> str | None:
        """Why ``key`` had nothing yet when last asked; None once it has given something."""
        return self._pending.get(key)

    def remaining(self, key: str) -> float:
        """Seconds until ``key`` may be tried again; 0 if it may now."""
        return max(0.0, self._retry_at.get(key, 0.0) - self.clock())

    def failed(self, key: str, error: BaseException) -> float:
        """Count a failure of ``key``; the seconds until it may be tried again."""
        failures = self._failures.get(key, 0) + 1
        self._failures[key] = failures
        self._errors[key] = str(error) or repr(error)
        self._pending.pop(key, None)
        delay = min(self.first * 2.0 ** (failures - 1), self.most)
        delay *= 1 + random.uniform(-self.jitter, self.jitter)
        self._retry_at[key] = self.clock() + delay
        if failures == 1:
            log.warning(
                f"{self.what} failed; backing off",
                extra={"key": key, "error": repr(error), "retry_in": round(delay, 2)},
                exc_info=None if isinstance(error, FetchError) else error,  # a bug: its trace
            )
        return delay

    def succeeded(self, key: str) -> None:
        self._retry_at.pop(key, None)
        self._pending.pop(key, None)
        self._recovered(key)

    def not_yet(self, key: str, reason: NotYetError) -> float:
        """``key`` answered that it has nothing yet; the seconds until it is asked again."""
        self._recovered(key)
        # Jittered like a failure's delay: replicas that wait for the same quorum do not
        # all ask again in the same instant.
        delay = self.first * (1 + random.uniform(-self.jitter, self.jitter))
        if key not in self._pending:
            log.info(
                f"{self.what} has nothing to give yet; asking again soon",
                extra={"key": key, "reason": str(reason), "retry_in": round(delay, 2)},
            )
        self._pending[key] = str(reason)
        self._retry_at[key] = self.clock() + delay
        return delay

    def _recovered(self, key: str) -> None:
        self._errors.pop(key, None)
        failures = self._failures.pop(key, 0)
        if failures:
            log.info(f"{self.what} answers again", extra={"key": key, "failures": failures})

    def attempt(self, key: str, call: Callable[[], T]) -> T | None:
        """``call()`` unless ``key`` is backing off; None then, or when it raises FetchError."""
        if not self.ready(key):
            return None
        try:
            found = call()
        except NotYetError as exc:
            self.not_yet(key, exc)
            return None
        except FetchError as exc:
            self.failed(key, exc)
            return None
        self.succeeded(key)
        return found


class Feed(Protocol[P, B]):
    """What a follower needs of one source; each service writes one per kind of source."""

    @property
    def name(self) -> str:
        """The source, as back-off and logs name it."""
        ...

    def position(self) -> P:
        """Where the follower stands, read from its database without holding a write."""
        ...

    def fetch(self, position: P) -> B | None:
        """What follows ``position`` (None when there is nothing), read and checked outside
        any transaction; raises FetchError when the source cannot be read."""
        ...

    def apply(self, session: Session, position: P, batch: B) -> tuple[int, bool]:
        """Write ``batch`` and the position it leads to in ``session`` (the follower
        commits), quarantining what cannot be applied; how many records were applied,
        and whether more may follow at once."""
        ...


class Follower:
    """Brings feeds up to date, each with its own back-off, over ``engine``.

    Each round (a fetch, and the apply and commit of what it brought) runs inside
    ``around()``: the notifier, whose cycle collector is paused for a whole
    catch-up, collects the cycles its rounds left there now and then.
    """

    def __init__(
        self,
        engine: Engine,
        backoff: Backoff,
        around: Callable[[], AbstractContextManager[object]] = nullcontext,
    ) -> None:
        self.engine, self.backoff, self.around = engine, backoff, around

    def catch_up(self, feed: Feed[P, B], rounds: int | None = None) -> int:
        """Fetch and apply what follows the feed's position, in at most ``rounds``
        batches (until there is nothing more by default); how many records were applied."""
        applied = 0
        done = 0
        while rounds is None or done < rounds:
            position = feed.position()
            with self.around():
                batch = self.backoff.attempt(feed.name, partial(feed.fetch, position))
                if batch is None:
                    break
                with Session(self.engine) as session:
                    count, more = feed.apply(session, position, batch)
                    session.commit()
            applied += count
            done += 1
            if not more:
                break
        return applied
