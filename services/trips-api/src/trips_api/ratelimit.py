"""A token bucket per client address for anonymous reads, kept in the process.

Enough for one instance behind a proxy that passes the client address; a
fleet of instances would share buckets in a store instead.
"""

import threading
import time


class TokenBuckets:
    def __init__(self, per_minute: int, burst: int, max_clients: int = 50_000) -> None:
        self.rate, self.burst, self.max_clients = per_minute / 60.0, float(burst), max_clients
        self._buckets: dict[str, tuple[float, float]] = {}
        self._lock = threading.Lock()

    def take(self, client: str) -> float:
        """Spend one token; 0 if allowed, else the seconds until the next token."""
        moment = time.monotonic()
        with self._lock:
            if len(self._buckets) >= self.max_clients and client not in self._buckets:
                self._forget_full(moment)
            tokens, last = self._buckets.get(client, (self.burst, moment))
            tokens = min(self.burst, tokens + (moment - last) * self.rate)
            if tokens < 1:
                self._buckets[client] = (tokens, moment)
                return (1 - tokens) / self.rate
            self._buckets[client] = (tokens - 1, moment)
            return 0.0

    def _forget_full(self, moment: float) -> None:
        """Drop clients whose buckets have refilled: they lose nothing by being forgotten."""
        refill = self.burst / self.rate
        self._buckets = {c: v for c, v in self._buckets.items() if moment - v[1] < refill}
        if len(self._buckets) >= self.max_clients:
            self._buckets.clear()
