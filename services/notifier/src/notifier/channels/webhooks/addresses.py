"""Which receivers a webhook may reach: public addresses only, unless the operator allows.

The check runs when a subscription is made and again before every attempt,
since a name may later resolve to somewhere else. An attempt then connects to
the very address it checked (``pin``): looking the name up a second time to
connect would let a name that answers with a public address first and a
private one next (DNS rebinding) reach inside the operator's network.
"""

import asyncio
import ipaddress
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpx

MAX_URL = 2000


class ReceiverRefusedError(ValueError):
    """The receiver's address is not one a webhook may reach; the message says why."""


def check_syntax(url: str) -> str:
    """The URL if it names an HTTP(S) receiver a webhook could reach, else ValueError."""
    if len(url) > MAX_URL:
        raise ValueError(f"a receiver URL has at most {MAX_URL} characters")
    if any(c.isspace() or not c.isprintable() for c in url):
        raise ValueError("a receiver URL holds no space or control character")
    try:
        httpx.URL(url)  # what an attempt connects with must read it too
    except httpx.InvalidURL as exc:
        raise ValueError(f"the receiver URL cannot be read: {exc}") from exc
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise ValueError("a receiver URL starts with https:// or http://")
    if not parts.hostname:
        raise ValueError("a receiver URL names a host")
    if parts.username or parts.password:
        raise ValueError("a receiver URL carries no user name or password")
    if parts.fragment:
        raise ValueError("a receiver URL has no #fragment")
    try:
        _ = parts.port
    except ValueError as exc:
        raise ValueError("the receiver URL's port is not a number from 0 to 65535") from exc
    return url


def host_and_port(url: str) -> tuple[str, int]:
    parts = urlsplit(url)
    return parts.hostname or "", parts.port or (443 if parts.scheme == "https" else 80)


# IPv6 prefixes that carry an IPv4 address in their last 32 bits (IPv4-compatible,
# IPv4-translated, NAT64's well-known prefix): what they reach is that address.
_CARRIERS = tuple(ipaddress.IPv6Network(n) for n in ("::/96", "::ffff:0:0:0/96", "64:ff9b::/96"))
# NAT64 for local use (RFC 8215) and the retired site-local range: never public.
_UNROUTED = tuple(ipaddress.IPv6Network(n) for n in ("64:ff9b:1::/48", "fec0::/10"))
# IETF protocol assignments (RFC 6890): no receiver's; some Pythons count 192.0.0.8 global.
_PROTOCOL = ipaddress.IPv4Network("192.0.0.0/24")


def is_public(address: str) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in net for net in _UNROUTED):
            return False
        inner = _ipv4_inside(ip)
        if inner is not None:
            return is_public(str(inner))
    elif ip in _PROTOCOL:
        return False
    return ip.is_global and not ip.is_multicast


def _ipv4_inside(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address leads to, where it embeds one (mapped, 6to4, Teredo's
    client, or one of ``_CARRIERS``)."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if any(ip in net for net in _CARRIERS) and ip != ipaddress.IPv6Address("::"):
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def refuse_private(addresses: list[str]) -> None:
    if not addresses:
        raise ReceiverRefusedError("the receiver's host name does not resolve")
    private = sorted({a for a in addresses if not is_public(a)})
    if private:
        raise ReceiverRefusedError(
            f"the receiver resolves to a private, loopback or reserved address ({private[0]}); "
            "this server only calls public addresses"
        )


def resolve(host: str, port: int) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ReceiverRefusedError(f"the receiver's host name does not resolve: {exc}") from exc
    return [str(info[4][0]) for info in infos]


def check_reachable(url: str) -> None:
    """Raise ReceiverRefusedError unless every address of the URL's host is public."""
    refuse_private(resolve(*host_and_port(url)))


@dataclass(frozen=True)
class Target:
    """Where an attempt connects: the receiver's URL with its host replaced by the address
    that was checked, the ``Host`` the receiver expects, and the name its TLS certificate
    must bear."""

    url: str
    host: str
    sni: str | None


def pin(url: str, *, allow_private: bool = False) -> Target:
    """Resolve the receiver once, check every address (unless private ones are allowed)
    and aim at the first; ReceiverRefusedError if none may be reached."""
    return aim(url, resolve(*host_and_port(url)), allow_private=allow_private)


def aim(url: str, resolved: list[str], *, allow_private: bool = False) -> Target:
    """``pin`` with the addresses the receiver's name was resolved to."""
    found = [a for a in resolved if "%" not in a]  # no scoped link-local address
    if not allow_private:
        refuse_private(found)
    if not found:
        raise ReceiverRefusedError("the receiver's host name does not resolve")
    target = httpx.URL(url)
    https = target.scheme == "https"
    return Target(
        str(target.copy_with(host=found[0])),
        target.netloc.decode("ascii"),
        target.raw_host.decode("ascii") if https else None,
    )


def _timed_resolve(name: str, took: list[float]) -> list[str]:
    """``resolve`` in a lookup thread, saying how long the resolver itself took: a name that
    waited for a thread behind slow ones is not slow."""
    started = time.monotonic()
    try:
        return resolve(name, 0)
    finally:
        took.append(time.monotonic() - started)


class Lookups:
    """Receivers' names looked up in threads of their own, one lookup per name at a time.

    ``getaddrinfo`` cannot be interrupted: an attempt that gives up on a name that never
    answers leaves its thread waiting on the resolver. So attempts to a name whose lookup
    is running wait for that lookup rather than start another (whatever the port: a
    name's addresses do not depend on it), and a name whose lookup took longer than
    ``slow`` seconds is not looked up again for ``rest`` seconds: attempts to it fail at
    once meanwhile. A name that never answers holds one thread now and then, and the
    others are left for other receivers. Used from the delivery worker's event loop only.
    """

    def __init__(self, threads: int = 64, slow: float = 10.0, rest: float = 600.0) -> None:
        self._pool = ThreadPoolExecutor(threads, thread_name_prefix="webhook-dns")
        self._running: dict[str, asyncio.Future[list[str]]] = {}
        self._resting: dict[str, float] = {}  # name: when it may be looked up again
        self.slow, self.rest = slow, rest

    async def pin(self, url: str, *, allow_private: bool = False) -> Target:
        name, _port = host_and_port(url)
        lookup = self._running.get(name) or self._start(name)
        # Shielded: an attempt that times out leaves the lookup to the others that wait on it.
        return aim(url, await asyncio.shield(lookup), allow_private=allow_private)

    def _start(self, name: str) -> "asyncio.Future[list[str]]":
        loop = asyncio.get_running_loop()
        until = self._resting.get(name)
        if until is not None and loop.time() < until:
            raise ReceiverRefusedError(
                f"the receiver's host name took over {self.slow:g} s to resolve; it is looked "
                f"up again {self.rest:g} s after that"
            )
        self._resting.pop(name, None)
        took: list[float] = []  # the resolver's own time, not the wait for a thread
        lookup = loop.run_in_executor(self._pool, _timed_resolve, name, took)
        self._running[name] = lookup

        def done(_: object) -> None:
            self._running.pop(name, None)
            finished = loop.time()
            if took and took[0] > self.slow:
                self._resting[name] = finished + self.rest
                for rested in [n for n, t in self._resting.items() if t <= finished]:
                    del self._resting[rested]  # keep only names still resting

        lookup.add_done_callback(done)
        return lookup

    @property
    def running(self) -> int:
        """Names being looked up now."""
        return len(self._running)

    def close(self) -> None:
        """Take no more lookups; those still waiting on the resolver end on their own."""
        self._pool.shutdown(wait=False, cancel_futures=True)
