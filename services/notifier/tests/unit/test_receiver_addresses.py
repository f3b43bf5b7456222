"""A webhook connects to the address it checked, never to a second lookup of the name."""

import httpx
import pytest

from notifier.channels.webhooks.addresses import ReceiverRefusedError, pin, resolve

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
