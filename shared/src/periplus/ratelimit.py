"""How often one client may do one thing: a token bucket per key, in memory, per process.

Each key holds a bucket of uses that refills steadily, ``limit`` uses per ``period``; a
bucket holds ``burst`` uses at most (``limit`` unless given), so a quiet client may spend
them at once. A key is usually a client's address as the app sees it (``client``, the
address behind a trusted proxy). One address is cheap to change inside a network that one
party holds, so a limiter with a ``network_limit`` also counts the network around each
address (an IPv4 /24, an IPv6 /64) in a bucket of its own, and an IPv6 address the /48
around it too, in a bucket ``WIDE_FACTOR`` times as large: a site is handed a /48, so
a /64 is as cheap to change as an address is.

Buckets are held for ``max_keys`` names at most. When that many are held, those that have
refilled go first (their clients lose nothing), then the least recently used of those
that would still allow a use; a bucket that refuses uses is never forgotten, so a flood
of fresh addresses cannot give a limited client its uses back. While every bucket held
refuses, a new name is refused too, until enough of them allow a use again.

Enough for one instance behind a proxy that passes the client address; a fleet of
instances would share buckets in a store instead. A refused use spends nothing, and a
429 says, in ``Retry-After``, when the next use will be allowed; asked to, it also says
which limit it met and what each limit is, in the ``RateLimit`` and ``RateLimit-Policy``
fields of draft-ietf-httpapi-ratelimit-headers (each bucket a policy of ``q`` uses per
``w`` seconds, the seconds a spent bucket takes to fill again).
"""

import heapq
import ipaddress
import math
import threading
import time
from collections import OrderedDict
from typing import NamedTuple

from fastapi import Request
from starlette.types import ASGIApp, Receive, Scope, Send

from periplus.errors import TooManyRequestsError
from periplus.problems import problem

IPV4_NETWORK, IPV6_NETWORK, IPV6_SITE = 24, 64, 48
WIDE_FACTOR = 4
"""How many times a network's limit an IPv6 /48 may use (a site's share of /64s)."""


def client(request: Request) -> str:
    """The client's address as the app sees it, after the trusted proxies have spoken."""
    return request.client.host if request.client else "unknown"


def ip_address(address: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """``address`` as an IP address (an IPv4-mapped IPv6 one as IPv4); None if it is none."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def network(address: str, prefix: int | None = None) -> str | None:
    """The network of ``prefix`` bits (by default an IPv4 /24 or an IPv6 /64) that holds
    ``address``; None if it is no IP address."""
    ip = ip_address(address)
    if ip is None:
        return None
    if prefix is None:
        prefix = IPV4_NETWORK if ip.version == 4 else IPV6_NETWORK
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


class Refused(NamedTuple):
    """A use refused: the seconds until one is allowed, and the limit that waits longest
    (``address``, ``network`` or ``site``; ``address`` too when no more clients can be held)."""

    wait: float
    limit: str


class RateLimiter:
    """``limit`` uses per key per ``period`` seconds, ``burst`` of them at once; with
    ``network_limit``, a key that is an IP address also spends from its network's bucket
    (``network_limit`` per ``period``, as many at once) and, for IPv6, its /48's."""

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
        self._site = (WIDE_FACTOR * self._net[0], WIDE_FACTOR * self._net[1])
        # name: (uses left, when), the least recently spent from first
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._sweep_at = -math.inf  # no sweep before: it could not make room
        self._lock = threading.Lock()

    def spend(self, key: str) -> Refused | None:
        """Spend one use; if there is none left, say how long to wait and which limit it
        met. A refused use spends from neither the key nor its networks."""
        names = self._names(key)
        moment = time.monotonic()
        with self._lock:
            new = sum(name not in self._buckets for name in names)
            if new and len(self._buckets) + new > self.max_keys:
                wait = self._make_room(new, moment)
                if wait is not None:
                    return Refused(wait, "address")
            levels = {name: self._level(name, moment) for name in names}
            longest, name = max(
                ((1 - level) / self._shape(name)[1], name) for name, level in levels.items()
            )
            if longest > 0:
                return Refused(longest, _limit(name))
            for name, level in levels.items():
                self._buckets[name] = (level - 1, moment)
                self._buckets.move_to_end(name)
            return None

    def check(self, key: str, what: str, *, described: bool = False) -> None:
        """Spend one use, or raise the 429 problem saying when to try again; ``described``,
        with the ``RateLimit`` and ``RateLimit-Policy`` fields too."""
        refused = self.spend(key)
        if refused is None:
            return
        seconds = max(1, math.ceil(refused.wait))
        error = TooManyRequestsError(
            f"Too many {what}; try again in {seconds} s.", retry_after=seconds
        )
        if described:
            error.headers["RateLimit"] = f'"{refused.limit}";r=0;t={seconds}'
            error.headers["RateLimit-Policy"] = self.policy()
        raise error

    def policy(self) -> str:
        """The ``RateLimit-Policy`` field: each limit as ``q`` uses per ``w`` seconds, the
        seconds its bucket, spent, takes to fill again."""
        shapes = [("address", self._key)]
        if self.network_limit is not None:
            shapes += [("network", self._net), ("site", self._site)]
        return ", ".join(
            f'"{name}";q={math.floor(capacity)};w={math.ceil(capacity / rate)}'
            for name, (capacity, rate) in shapes
        )

    def exhausted(self, key: str) -> bool:
        """Whether the client ``key`` names has no use left, spending none: its own bucket,
        which for an IPv6 address is its /64's (as cheap to change as one address is). The
        wider networks are not consulted, so a neighbour's spending exhausts nobody else."""
        names = self._names(key)
        name = names[1] if len(names) == 3 else names[0]
        with self._lock:
            return name in self._buckets and self._level(name, time.monotonic()) < 1

    def _names(self, key: str) -> list[str]:
        """The buckets a use by ``key`` spends from."""
        ip = ip_address(key) if self.network_limit is not None else None
        if ip is None:
            return [key]
        if ip.version == 4:
            return [key, f"net:{ipaddress.ip_network(f'{ip}/{IPV4_NETWORK}', strict=False)}"]
        return [
            key,
            f"net:{ipaddress.ip_network(f'{ip}/{IPV6_NETWORK}', strict=False)}",
            f"site:{ipaddress.ip_network(f'{ip}/{IPV6_SITE}', strict=False)}",
        ]

    def _shape(self, name: str) -> tuple[float, float]:
        if name.startswith("net:"):
            return self._net
        return self._site if name.startswith("site:") else self._key

    def _level(self, name: str, moment: float) -> float:
        """The uses that bucket ``name`` holds at ``moment``."""
        capacity, rate = self._shape(name)
        level, since = self._buckets.get(name, (capacity, moment))
        return min(capacity, level + (moment - since) * rate)

    def _make_room(self, new: int, moment: float) -> float | None:
        """Room for ``new`` more buckets, or the seconds until there may be some.

        One sweep frees an eighth of ``max_keys``, so sweeps are rare: the refilled
        buckets first, then the least recently spent from that would allow a use. If every
        bucket left refuses, the next sweep waits until enough of them allow one.
        """
        if moment < self._sweep_at:
            return self._sweep_at - moment
        target = self.max_keys - max(new, self.max_keys // 8)
        levels = {name: self._level(name, moment) for name in self._buckets}
        for name, level in levels.items():
            if level >= self._shape(name)[0]:
                del self._buckets[name]
        for name in list(self._buckets):
            if len(self._buckets) <= target:
                break
            if levels[name] >= 1:
                del self._buckets[name]
        short = len(self._buckets) - target
        if short > 0:  # every bucket left refuses a use
            waits = ((1 - levels[name]) / self._shape(name)[1] for name in self._buckets)
            self._sweep_at = moment + heapq.nsmallest(short, waits)[-1]
        if len(self._buckets) + new <= self.max_keys:
            return None
        return self._sweep_at - moment


def _limit(name: str) -> str:
    """The limit a bucket's name stands for."""
    return {"net": "network", "site": "site"}.get(name.split(":", 1)[0], "address")


class LimitedPaths:
    """ASGI middleware: each request under ``prefixes`` spends one use of ``limiter`` for its
    client, answered from a cache or not, or gets the 429 problem. Placed outside any page
    cache, so that a kept answer is counted too: bulk reads cost bandwidth if not work."""

    def __init__(
        self, app: ASGIApp, limiter: RateLimiter, prefixes: tuple[str, ...], what: str
    ) -> None:
        self.app, self.limiter, self.prefixes, self.what = app, limiter, prefixes, what

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        limited = scope["type"] == "http" and str(scope["path"]).startswith(self.prefixes)
        if limited and not await spend(self.limiter, self.what, scope, receive, send):
            return
        await self.app(scope, receive, send)


async def spend(
    limiter: RateLimiter, what: str, scope: Scope, receive: Receive, send: Send
) -> bool:
    """Spend one use of ``limiter`` for the request's client (the one the app sees, after
    uvicorn's proxy headers middleware); if none is left, answer with the 429 problem and
    return False."""
    peer = scope.get("client")
    try:
        limiter.check(peer[0] if peer else "unknown", what)
    except TooManyRequestsError as refused:
        answer = problem(
            refused.status,
            refused.title,
            refused.detail,
            headers={**refused.headers, "Cache-Control": "no-store"},  # a refusal is this client's
            instance=str(scope["path"]),
        )
        await answer(scope, receive, send)
        return False
    return True
