"""Reading a source's catch-up endpoint: the events after a seq, in order.

A source's own database is the store of record; its endpoint fills the gaps
the broker leaves, and the periodic catch-up follows it as a feed.
"""

import json
import time
from collections.abc import Callable
from typing import Any

import httpx

from ledger.ingest.records import Received
from ledger.log.fact import Fact
from periplus.follower import FetchError
from periplus.tiles import LONGEST

PAGE = 1000
# A page of the longest events a log takes, and room for the JSON around them: a source
# that answers more is not read on, so it cannot fill the ledger's memory.
MOST_BYTES = PAGE * LONGEST + (1 << 20)
# A whole answer takes at most this many read timeouts: a source that drips its answer,
# each byte within the read timeout, cannot hold the consumer thread for long.
READS_PER_ANSWER = 4
NO_READ_TIMEOUT = 60.0  # the read timeout counted for a client that has none


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
    kept, so its seq is known to be held); raises FetchError if the source cannot be read,
    answers more than ``MOST_BYTES`` or takes more than ``READS_PER_ANSWER`` read timeouts."""
    url = f"{base.rstrip('/')}/v1/events"
    try:
        body = _answer(http, url, {"after": after, "limit": min(count, PAGE)}, timeouts.get(source))
        raw_events = json.loads(body)["events"]
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


def _answer(
    http: httpx.Client, url: str, params: dict[str, int], timeout: httpx.Timeout | None
) -> bytes:
    """The body of a successful answer, read as it streams in, within the byte cap and
    the deadline; FetchError past either."""
    limit = READS_PER_ANSWER * ((timeout or http.timeout).read or NO_READ_TIMEOUT)
    deadline = time.monotonic() + limit
    chunks: list[bytes] = []
    size = 0
    with http.stream(
        "GET", url, params=params, timeout=timeout or httpx.USE_CLIENT_DEFAULT
    ) as response:
        response.raise_for_status()
        for chunk in response.iter_bytes():
            size += len(chunk)
            if size > MOST_BYTES:
                raise FetchError(f"{url}: the answer is longer than {MOST_BYTES:,} bytes")
            if time.monotonic() > deadline:
                raise FetchError(f"{url}: the answer took longer than {limit:g} s")
            chunks.append(chunk)
    return b"".join(chunks)


def first_missing(seqs: set[int], after: int) -> int:
    """The first seq after ``after`` that ``seqs`` lacks."""
    seq = after + 1
    while seq in seqs:
        seq += 1
    return seq
