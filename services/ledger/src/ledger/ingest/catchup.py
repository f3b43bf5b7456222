"""Reading a source's catch-up endpoint: the events after a seq, in order.

A source's own database is the store of record; its endpoint fills the gaps
the broker leaves, and the periodic catch-up follows it as a feed.
"""

from collections.abc import Callable
from typing import Any

import httpx

from ledger.ingest.records import Received
from ledger.log.fact import Fact
from periplus.follower import FetchError

PAGE = 1000


def fetch(
    http: httpx.Client,
    base: str,
    source: str,
    after: int,
    count: int,
    timeouts: dict[str, httpx.Timeout],
    read: Callable[[Any], Fact | str],
) -> list[Received]:
    """Up to ``count`` events of ``source`` after ``after``, from its endpoint at ``base``
    (with the source's own ``timeouts``, if it has some), up to the first refused (which is
    kept, so its seq is known to be held); raises FetchError if the source cannot be read."""
    try:
        response = http.get(
            f"{base.rstrip('/')}/v1/events",
            params={"after": after, "limit": min(count, PAGE)},
            timeout=timeouts.get(source, httpx.USE_CLIENT_DEFAULT),
        )
        response.raise_for_status()
        raw_events = response.json()["events"]
        if not isinstance(raw_events, list):
            raise TypeError("events is not a list")
    except (httpx.HTTPError, ValueError, KeyError, TypeError, RecursionError) as exc:
        # A hostile answer (nested too deep, not UTF-8) is a source that cannot be read.
        raise FetchError(f"{base}/v1/events: {exc!r}") from exc
    origin = f"{base}/v1/events?after={after}"
    found: list[Received] = []
    for raw in raw_events:
        parsed = read(raw)
        if isinstance(parsed, Fact) and parsed.source != source:
            parsed = f"served as an event of {source}, but its source is {parsed.source!r}"
        found.append(Received(origin, raw, parsed))
        if isinstance(parsed, str):
            break
    return found


def first_missing(seqs: set[int], after: int) -> int:
    """The first seq after ``after`` that ``seqs`` lacks."""
    seq = after + 1
    while seq in seqs:
        seq += 1
    return seq
