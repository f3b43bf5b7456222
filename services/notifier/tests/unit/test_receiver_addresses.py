"""A webhook connects to the address it checked, never to a second lookup of the name;
a name whose resolver never answers holds one lookup thread, not all of them."""

import asyncio
import threading

import httpx
import pytest

from notifier.channels.webhooks import addresses
from notifier.channels.webhooks.addresses import (
    Lookups,
    ReceiverRefusedError,
    check_syntax,
    is_public,
    pin,
    resolve,
)

LOOPBACK = {"127.0.0.1", "::1"}


def test_an_attempt_aims_at_the_checked_address_and_names_the_host_it_expects() -> None:
    target = pin("https://localhost:8443/hook?x=1", allow_private=True)
    aimed = httpx.URL(target.url)
    assert aimed.host in LOOPBACK
    assert aimed.host == resolve("localhost", 8443)[0]
    assert (aimed.scheme, aimed.port, aimed.path, aimed.query) == ("https", 8443, "/hook", b"x=1")
    # The receiver still sees its own name, and TLS checks the certificate against it.
    assert (target.host, target.sni) == ("localhost:8443", "localhost")
    plain = pin("http://localhost/hook", allow_private=True)
    assert (plain.host, plain.sni) == ("localhost", None)


def test_a_private_address_is_refused_before_any_connection() -> None:
    with pytest.raises(ReceiverRefusedError, match="private, loopback or reserved"):
        pin("http://localhost:9/hook")
    with pytest.raises(ReceiverRefusedError, match="does not resolve"):
        pin("http://no-such-host.invalid/hook")


@pytest.mark.parametrize(
    "address",
    [
        "::127.0.0.1",  # IPv4-compatible
        "::ffff:0:7f00:1",  # IPv4-translated
        "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254, the cloud's metadata service
        "64:ff9b:1::1",  # NAT64 for local use
        "2002:7f00:1::1",  # 6to4 of 127.0.0.1
        "2001:0:4136:e378:8000:63bf:f5ff:fffe",  # Teredo, whose client is 10.0.0.1
        "fec0::1",  # site-local
        "::ffff:10.0.0.1",
        "192.0.0.8",  # IETF protocol assignments, which some Pythons count as global
        "::ffff:192.0.0.8",
    ],
)
def test_an_address_that_leads_inside_is_not_public(address: str) -> None:
    assert not is_public(address)


@pytest.mark.parametrize("address", ["2606:4700:4700::1111", "64:ff9b::101:101", "1.1.1.1"])
def test_public_addresses_stay_public(address: str) -> None:
    assert is_public(address)


@pytest.mark.parametrize(
    "url", ["http://1.1.1.1/\x01", "http://1.1.1.1/a b", "http://exa mple.org/", "https://[::1/"]
)
def test_a_url_an_attempt_could_not_connect_with_is_refused_when_subscribing(url: str) -> None:
    with pytest.raises(ValueError, match="receiver URL"):
        check_syntax(url)


def test_a_name_that_never_resolves_holds_one_lookup_thread_and_others_still_resolve(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # A resolver that never answers cannot be set up without root; ``getaddrinfo`` is held
    # for that one name instead, as a black-holed DNS server holds it, until released.
    released, lookups_of_slow = threading.Event(), []
    real = addresses.resolve

    def resolve_slowly(host: str, port: int) -> list[str]:
        if host == "slow.example":
            lookups_of_slow.append(host)
            released.wait(30)
            return ["127.0.0.1"]
        return real(host, port)

    monkeypatch.setattr(addresses, "resolve", resolve_slowly)
    lookups = Lookups(threads=2)

    async def attempts() -> None:
        slow = [  # on several ports: the name's lookup is one
            asyncio.wait_for(
                lookups.pin(f"http://slow.example:{8000 + n}/{n}", allow_private=True), 0.2
            )
            for n in range(10)
        ]
        outcomes = await asyncio.gather(*slow, return_exceptions=True)
        assert all(isinstance(o, TimeoutError) for o in outcomes)  # each gave up in time
        assert lookups.running == 1  # ten attempts, one lookup
        fast = await asyncio.wait_for(lookups.pin("http://localhost/hook", allow_private=True), 5)
        assert httpx.URL(fast.url).host in LOOPBACK
        again = asyncio.ensure_future(lookups.pin("http://slow.example/x", allow_private=True))
        await asyncio.sleep(0.05)
        released.set()
        target = await asyncio.wait_for(again, 5)  # it joined the lookup already running
        assert target.url == "http://127.0.0.1/x"
        assert lookups.running == 0

    try:
        asyncio.run(attempts())
    finally:
        released.set()
        lookups.close()
    assert lookups_of_slow == ["slow.example"]


def test_a_name_slow_to_resolve_rests_before_it_is_looked_up_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    looked_up: list[str] = []

    def resolve_slowly(host: str, port: int) -> list[str]:
        looked_up.append(host)
        if host == "slow.example":
            threading.Event().wait(0.3)
        return ["127.0.0.1"]

    monkeypatch.setattr(addresses, "resolve", resolve_slowly)
    lookups = Lookups(threads=2, slow=0.2, rest=0.5)

    async def attempts() -> None:
        first = await lookups.pin("http://slow.example/a", allow_private=True)  # it answers
        assert first.url == "http://127.0.0.1/a"
        with pytest.raises(ReceiverRefusedError, match=r"took over 0\.2 s to resolve"):
            await lookups.pin("http://slow.example/b", allow_private=True)  # at once
        assert (await lookups.pin("http://quick.example/", allow_private=True)).host
        await asyncio.sleep(0.6)
        await lookups.pin("http://slow.example/c", allow_private=True)  # rested: again

    try:
        asyncio.run(attempts())
    finally:
        lookups.close()
    assert looked_up == ["slow.example", "quick.example", "slow.example"]


def test_a_name_that_waited_for_a_thread_behind_slow_names_is_not_rested(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    released = threading.Event()

    def resolve(host: str, port: int) -> list[str]:
        if host == "slow.example":
            released.wait(5)
        return ["127.0.0.1"]

    monkeypatch.setattr(addresses, "resolve", resolve)
    lookups = Lookups(threads=1, slow=0.2, rest=60)

    async def attempts() -> None:
        slow = asyncio.ensure_future(lookups.pin("http://slow.example/", allow_private=True))
        await asyncio.sleep(0.05)
        quick = asyncio.ensure_future(lookups.pin("http://quick.example/", allow_private=True))
        await asyncio.sleep(0.4)  # the quick name waits for the one thread, past ``slow``
        released.set()
        await asyncio.gather(slow, quick)
        await lookups.pin("http://quick.example/again", allow_private=True)  # not resting
        with pytest.raises(ReceiverRefusedError, match="took over"):
            await lookups.pin("http://slow.example/again", allow_private=True)

    try:
        asyncio.run(attempts())
    finally:
        released.set()
        lookups.close()
