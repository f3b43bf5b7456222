"""Sliding-window limits on how often a client may do one thing, in memory, per process.

A client is its address as the app sees it (``request.client``, the address
behind a trusted proxy). One address is cheap to change inside a network that
one party holds, so a limit on addresses also counts the network around each
(an IPv4 /24, an IPv6 /64), with a limit of its own.
"""

import ipaddress
import math
import threading
import time
from collections import deque

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from periplus.errors import TooManyRequestsError
from periplus.web import problem

MAX_KEYS = 100_000  # past this many windows, all are forgotten: memory stays bounded
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
    """At most ``limit`` uses per key in any ``period`` seconds; with ``network_limit``, a key
    that is an IP address also spends from its network's ``network_limit``."""

    def __init__(self, limit: int, period: float, network_limit: int | None = None) -> None:
        self.limit, self.period, self.network_limit = limit, period, network_limit
        self._hits: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def hit(self, key: str) -> float | None:
        """Count one use; return the seconds to wait if that is one too many, else None.

        A refused use counts against neither the key nor its network.
        """
        limits = [(key, self.limit)]
        held = network(key) if self.network_limit is not None else None
        if held is not None and self.network_limit is not None:
            limits.append((f"net:{held}", self.network_limit))
        now = time.monotonic()
        with self._lock:
            if len(self._hits) > MAX_KEYS:
                self._hits.clear()
            windows = [(self._window(name, now), most) for name, most in limits]
            waits = [w[0] + self.period - now for w, most in windows if len(w) >= most]
            if waits:
                return max(waits)
            for window, _ in windows:
                window.append(now)
            return None

    def check(self, key: str, what: str) -> None:
        """Count one use, or raise the 429 problem saying when to try again."""
        wait = self.hit(key)
        if wait is not None:
            seconds = max(1, math.ceil(wait))
            raise TooManyRequestsError(
                f"Too many {what}; try again in {seconds} s.",
                retry_after=seconds,
            )

    def _window(self, name: str, now: float) -> deque[float]:
        window = self._hits.setdefault(name, deque())
        while window and window[0] <= now - self.period:
            window.popleft()
        return window


class LimitedPaths:
    """ASGI middleware: each request under ``prefixes`` spends one use of ``limiter`` for its
    client, answered from a cache or not, or gets the 429 problem. Outside the page cache,
    so that a kept answer is counted too: anonymous bulk reads cost bandwidth if not work."""

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
