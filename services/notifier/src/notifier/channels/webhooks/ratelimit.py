"""A sliding-window limit on how often one client may do one thing, in memory."""

import threading
import time
from collections import deque


class RateLimiter:
    def __init__(self, limit: int, period: float) -> None:
        self.limit, self.period = limit, period
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count one use; return the seconds to wait if that is one too many, else None."""
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > 100_000:
                self._hits.clear()
            window = self._hits.setdefault(key, deque())
            while window and window[0] <= now - self.period:
                window.popleft()
            if len(window) >= self.limit:
                return window[0] + self.period - now
            window.append(now)
            return None
