"""How often one client may do one thing: a token bucket per key, in memory, per process.

Each key holds a bucket of uses that refills steadily, ``limit`` uses per ``period``; a
bucket holds ``burst`` uses at most (``limit`` unless given), so a quiet client may spend
them at once. A key is usually a client's address as the app sees it (``client``, the
address behind a trusted proxy). One address is cheap to change inside a network that one
party holds, so a limiter with a ``network_limit`` also counts the network around each
address (an IPv4 /24, an IPv6 /64) in a bucket of its own.

Enough for one instance behind a proxy that passes the client address; a fleet of
instances would share buckets in a store instead. A refused use spends nothing, and a
429 says, in ``Retry-After``, when the next use will be allowed.
"""

import ipaddress
import math
import threading
import time

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from periplus.errors import TooManyRequestsError
from periplus.problems import problem

IPV4_NETWORK, IPV6_NETWORK = 24, 64


def client(request: Request) -> str:
    """The client's address as the app sees it, after the trusted proxies have spoken."""
    return request.client.host if request.client else "unknown"


def network(address: str) -> str | None:
    """The /24 (IPv4) or /64 (IPv6) that holds ``address``; None if it is no IP address."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    prefix = IPV4_NETWORK if ip.version == 4 else IPV6_NETWORK
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


class RateLimiter:
    """``limit`` uses per key per ``period`` seconds, ``burst`` of them at once; with
    ``network_limit``, a key that is an IP address also spends from its network's bucket
    (``network_limit`` per ``period``, as many at once)."""

    def __init__(
        self,
        limit: int,
        period: float,
        network_limit: int | None = None,
        *,
        burst: int | None = None,
        max_keys: int = 100_000,
    ) -> None:
        self.period, self.network_limit, self.max_keys = period, network_limit, max_keys
        self._key = (float(burst or limit), limit / period)  # (capacity, uses per second)
        self._net = (float(network_limit or 0), (network_limit or 0) / period)
        self._buckets: dict[str, tuple[float, float]] = {}  # name: (uses left, when)
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Spend one use; return the seconds to wait if there is none left, else None.

        A refused use spends from neither the key nor its network.
        """
        names = [key]
        held = network(key) if self.network_limit is not None else None
        if held is not None:
            names.append(f"net:{held}")
        moment = time.monotonic()
        with self._lock:
            if len(self._buckets) >= self.max_keys:
                self._forget_full(moment)
            levels = {name: self._level(name, moment) for name in names}
            waits = [(1 - level) / self._shape(name)[1] for name, level in levels.items()]
            if max(waits) > 0:
                return max(waits)
            for name, level in levels.items():
                self._buckets[name] = (level - 1, moment)
            return None

    def check(self, key: str, what: str) -> None:
        """Spend one use, or raise the 429 problem saying when to try again."""
        wait = self.hit(key)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequestsError(
                f"Too many {what}; try again in {seconds} s.", retry_after=seconds
            )

    def _shape(self, name: str) -> tuple[float, float]:
        return self._net if name.startswith("net:") else self._key

    def _level(self, name: str, moment: float) -> float:
        """The uses that bucket ``name`` holds at ``moment``."""
        capacity, rate = self._shape(name)
        level, since = self._buckets.get(name, (capacity, moment))
        return min(capacity, level + (moment - since) * rate)

    def _forget_full(self, moment: float) -> None:
        """Drop the buckets that have refilled, whose clients lose nothing by being
        forgotten; if that is not enough, all of them: memory stays bounded."""
        self._buckets = {
            name: kept
            for name, kept in self._buckets.items()
            if self._level(name, moment) < self._shape(name)[0]
        }
        if len(self._buckets) >= self.max_keys:
            self._buckets.clear()


class LimitedPaths:
    """ASGI middleware: each request under ``prefixes`` spends one use of ``limiter`` for its
    client, answered from a cache or not, or gets the 429 problem. Placed outside any page
    cache, so that a kept answer is counted too: bulk reads cost bandwidth if not work."""

    def __init__(
        self, app: ASGIApp, limiter: RateLimiter, prefixes: tuple[str, ...], what: str
    ) -> None:
        self.app, self.limiter, self.prefixes, self.what = app, limiter, prefixes, what

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and str(scope["path"]).startswith(self.prefixes):
            # The client after uvicorn's proxy headers middleware: the one the app sees.
            peer = scope.get("client")
            try:
                self.limiter.check(peer[0] if peer else "unknown", self.what)
            except TooManyRequestsError as refused:
                answer = problem(
                    refused.status,
                    refused.title,
                    refused.detail,
                    headers=refused.headers,
                    instance=str(scope["path"]),
                )
                await answer(scope, receive, send)
                return
        await self.app(scope, receive, send)
