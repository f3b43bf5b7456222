"""The one rate limiter: a bucket per client, refilled steadily, and one per network
(an IPv4 /24 or an IPv6 /64)."""

import pytest

from periplus.errors import TooManyRequestsError
from periplus.ratelimit import RateLimiter, network


def test_a_client_spends_its_burst_then_waits_while_others_have_their_own() -> None:
    limiter = RateLimiter(limit=1, period=60, burst=2)
    assert [limiter.hit("a") for _ in range(2)] == [None, None]
    wait = limiter.hit("a")
    assert wait is not None
    assert 0 < wait <= 60  # one use comes back per minute
    assert limiter.hit("b") is None


def test_a_refusal_is_the_429_problem_with_when_to_retry() -> None:
    limiter = RateLimiter(limit=1, period=3600)
    limiter.check("a", "tries")
    with pytest.raises(TooManyRequestsError) as refused:
        limiter.check("a", "tries")
    assert refused.value.status == 429
    assert 1 <= int(refused.value.headers["Retry-After"]) <= 3600
    assert "Too many tries" in str(refused.value.detail)


def test_memory_stays_bounded_by_forgetting_clients() -> None:
    limiter = RateLimiter(limit=60, period=60, burst=1, max_keys=3)
    for client in "abcdef":
        limiter.hit(client)
    assert len(limiter._buckets) <= 3


def test_networks_are_the_ipv4_24_and_the_ipv6_64() -> None:
    assert network("198.51.100.23") == "198.51.100.0/24"
    assert network("::ffff:198.51.100.23") == "198.51.100.0/24"
    assert network("2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64"
    assert network("testclient") is None


def test_a_refused_use_spends_nothing() -> None:
    limiter = RateLimiter(limit=1, period=3600, network_limit=2)
    assert limiter.hit("192.0.2.1") is None
    assert limiter.hit("192.0.2.1") is not None  # the address is spent, the network is not
    assert limiter.hit("192.0.2.2") is None
    assert limiter.hit("192.0.2.3") is not None  # now the network is
