"""The one rate limiter: a bucket per client, refilled steadily, and one per network
(an IPv4 /24 or an IPv6 /64)."""

import pytest

from periplus.errors import TooManyRequestsError
from periplus.ratelimit import RateLimiter, network


def test_a_client_spends_its_burst_then_waits_while_others_have_their_own() -> None:
    limiter = RateLimiter(limit=1, period=60, burst=2)
    assert [limiter.spend("a") for _ in range(2)] == [None, None]
    refused = limiter.spend("a")
    assert refused is not None
    assert 0 < refused.wait <= 60  # one use comes back per minute
    assert limiter.spend("b") is None


def test_a_refusal_is_the_429_problem_with_when_to_retry() -> None:
    limiter = RateLimiter(limit=1, period=3600)
    limiter.check("a", "tries")
    with pytest.raises(TooManyRequestsError) as refused:
        limiter.check("a", "tries")
    assert refused.value.status == 429
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 3600
    assert "Too many tries" in str(refused.value.detail)


def test_a_described_refusal_names_the_limit_it_met_and_every_limit() -> None:
    limiter = RateLimiter(limit=2, period=60, network_limit=5, burst=4)
    for _ in range(4):
        limiter.check("192.0.2.1", "tries", described=True)
    with pytest.raises(TooManyRequestsError) as refused:
        limiter.check("192.0.2.1", "tries", described=True)
    wait = refused.value.headers["Retry-After"]
    assert refused.value.headers["RateLimit"] == f'"address";r=0;t={wait}'
    assert refused.value.headers["RateLimit-Policy"] == (
        '"address";q=4;w=120, "network";q=5;w=60, "site";q=20;w=60'
    )
    limiter.check("192.0.2.2", "tries")  # the /24's fifth and last
    with pytest.raises(TooManyRequestsError) as neighbour:
        limiter.check("192.0.2.2", "tries", described=True)
    assert neighbour.value.headers["RateLimit"].startswith('"network";r=0;t=')
    with pytest.raises(TooManyRequestsError) as plain:
        limiter.check("192.0.2.1", "tries")
    assert "RateLimit" not in plain.value.headers


def test_memory_stays_bounded_by_forgetting_clients() -> None:
    limiter = RateLimiter(limit=60, period=60, burst=1, max_keys=3)
    for client in "abcdef":
        limiter.spend(client)
    assert len(limiter._buckets) <= 3


def test_networks_are_the_ipv4_24_and_the_ipv6_64() -> None:
    assert network("198.51.100.23") == "198.51.100.0/24"
    assert network("::ffff:198.51.100.23") == "198.51.100.0/24"
    assert network("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert network("testclient") is None


def test_a_refused_use_spends_nothing() -> None:
    limiter = RateLimiter(limit=1, period=3600, network_limit=2)
    assert limiter.spend("192.0.2.1") is None
    assert limiter.spend("192.0.2.1") is not None  # the address is spent, the network is not
    assert limiter.spend("192.0.2.2") is None
    assert limiter.spend("192.0.2.3") is not None  # now the network is


def test_an_ipv6_site_48_is_limited_as_a_whole_beyond_its_64s() -> None:
    assert network("2001:db8:1:2:3:4:5:6", 48) == "2001:db8:1::/48"
    limiter = RateLimiter(limit=1, period=3600, network_limit=1)  # a /48 holds four /64s' worth
    allowed = [limiter.spend(f"2001:db8:7:{n:x}::1") is None for n in range(6)]
    assert allowed == [True, True, True, True, False, False]
    assert limiter.spend("2001:db8:8::1") is None  # another site has its own


def test_a_flood_of_fresh_addresses_never_gives_a_limited_client_its_uses_back() -> None:
    limiter = RateLimiter(limit=2, period=3600, network_limit=100, max_keys=64)
    assert [limiter.spend("203.0.113.9") is None for _ in range(3)] == [True, True, False]
    for n in range(500):  # fresh /64s in fresh /48s: three new buckets each
        limiter.spend(f"2001:db8:{n:x}:1::1")
        assert len(limiter._buckets) <= 64
    assert limiter.spend("203.0.113.9") is not None


def test_when_full_the_least_recently_used_client_that_may_still_spend_is_forgotten() -> None:
    limiter = RateLimiter(limit=3, period=3600, max_keys=8)  # one sweep frees one
    for client in "abcdefgh":
        limiter.spend(client)  # each keeps two uses: none refilled, none limited
    limiter.spend("a")
    limiter.spend("a")  # spent out: limited, so never forgotten
    limiter.spend("b")  # recently used; "c" is now the least recently used
    assert limiter.spend("i") is None
    assert "c" not in limiter._buckets
    assert {"a", "b", "i"} <= set(limiter._buckets)
    assert limiter.spend("a") is not None


def test_when_every_client_held_is_limited_a_new_one_waits() -> None:
    limiter = RateLimiter(limit=1, period=60, max_keys=4)
    for client in "abcd":
        assert limiter.spend(client) is None
    refused = limiter.spend("e")
    assert refused is not None
    assert 0 < refused.wait <= 60
    assert set(limiter._buckets) == set("abcd")
    assert limiter.spend("a") is not None


def test_exhausted_asks_of_the_client_alone_and_spends_nothing() -> None:
    limiter = RateLimiter(limit=2, period=3600.0, network_limit=3)
    assert not limiter.exhausted("192.0.2.1")  # never seen: uses left
    assert [limiter.spend("192.0.2.1") for _ in range(2)] == [None, None]
    assert limiter.exhausted("192.0.2.1")
    assert limiter.spend("192.0.2.2") is None  # the /24 has spent its 3
    assert not limiter.exhausted("192.0.2.3")  # its network's spending is not its own
    assert limiter.exhausted("192.0.2.1")  # asking spent nothing, and changed nothing
    for address in ("2001:db8:1:2::1", "2001:db8:1:2::2", "2001:db8:1:2::3"):
        assert limiter.spend(address) is None
    assert limiter.exhausted("2001:db8:1:2::99")  # an IPv6 client is its /64
    assert not limiter.exhausted("2001:db8:1:3::1")
