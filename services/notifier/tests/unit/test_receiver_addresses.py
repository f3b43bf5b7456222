"""A webhook connects to the address it checked, never to a second lookup of the name."""

import httpx
import pytest

from notifier.channels.webhooks.addresses import (
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
    ],
)
def test_an_ipv6_address_that_leads_inside_is_not_public(address: str) -> None:
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
