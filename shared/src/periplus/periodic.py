"""Work that runs on a schedule in a thread of its own until stopped.

One loop for every follower's timing: at start (or after a first interval),
every ``every`` seconds, at once when woken, every ``poll`` seconds while
``waiting()`` says something waits, and after a failure ever later (with
jitter) until the work succeeds, which is logged once each way.
"""

import threading
import time
from collections.abc import Callable

from periplus.follower import Backoff


class Schedule(threading.Thread):
    def __init__(
        self,
        name: str,
        work: Callable[[], object],
        every: float,
        *,
        first: float = 0.0,
        poll: float = 0.0,
        waiting: Callable[[], bool] | None = None,
        retry: float = 1.0,
    ) -> None:
        super().__init__(name=name, daemon=True)
        self.work, self.every, self.first = work, every, first
        self.poll, self.waiting = poll or every, waiting
        self.backoff = Backoff(name, first=min(retry, every), most=every)
        self._wake = threading.Event()
        self._halt = threading.Event()

    def notify(self) -> None:
        """Something arrived: run the work now rather than when it is next due."""
        self._wake.set()

    def stop(self) -> None:
        self._halt.set()
        self._wake.set()
        self.join(timeout=10)

    def run(self) -> None:
        due = time.monotonic() + self.first
        woken = False
        while not self._halt.is_set():
            now = time.monotonic()
            pause = due - now
            try:
                if self.backoff.ready(self.name) and (now >= due or self._called(woken)):
                    self.work()
                    self.backoff.succeeded(self.name)
                    if now >= due:
                        due = now + self.every
                    pause = self.poll if self._waits() else due - time.monotonic()
            except Exception as exc:
                self.backoff.failed(self.name, exc)
            if self.backoff.failing(self.name):
                pause = self.backoff.remaining(self.name)
            woken = self._wake.wait(max(pause, 0.0))
            self._wake.clear()

    def _called(self, woken: bool) -> bool:
        """Woken with nothing to ask, or asked and something waits."""
        return woken if self.waiting is None else self.waiting()

    def _waits(self) -> bool:
        return self.waiting is not None and self.waiting()


class Periodic(Schedule):
    """``work`` every ``interval`` seconds, the first time one interval after start."""

    def __init__(self, name: str, interval: float, work: Callable[[], object]) -> None:
        super().__init__(name, work, interval, first=interval)
