"""``Last-Modified`` on public answers: a 304 to ``If-Modified-Since`` never hides a newer
answer, though HTTP dates count whole seconds, from one process or from two on one database."""

import time
import uuid
from collections.abc import Iterator
from email.utils import formatdate, parsedate_to_datetime

import httpx
import pytest

from notifier.testing import Site, life, serve

pytestmark = pytest.mark.backends("sqlite", "postgresql")

TRIP = str(uuid.UUID(int=63))
PAGE = f"/trips/{TRIP}?lang=en"


@pytest.fixture
def site(database_url: str) -> Iterator[Site]:
    for running in serve(database_url):
        running.feed(life(TRIP, "MVD-2026-0063")[:1])  # approved only
        yield running


def get(url: str, **headers: str) -> httpx.Response:
    """A first answer may take long on a busy machine: it builds the page."""
    return httpx.get(url, headers=headers, timeout=120)


def dated(url: str, **headers: str) -> httpx.Response:
    """The answer once it carries a date: a version is dated from the second after this
    process first saw it, so that takes a second at most (the deadline is for a busy machine)."""
    deadline = time.monotonic() + 30
    while True:
        answer = get(url, **headers)
        if "last-modified" in answer.headers or time.monotonic() > deadline:
            return answer
        time.sleep(0.1)


def asked_of(answer: httpx.Response) -> str:
    return answer.headers["last-modified"]


def seconds(answer: httpx.Response) -> float:
    return parsedate_to_datetime(answer.headers["last-modified"]).timestamp()


@pytest.mark.parametrize(
    "path", ["/", PAGE, "/feed.atom", "/data/trips.csv", f"/trips/{TRIP}/card.png"]
)
def test_an_unchanged_answer_is_304_to_its_own_date(site: Site, path: str) -> None:
    first = dated(f"{site.url}{path}")
    since = first.headers["last-modified"]
    assert seconds(first) <= parsedate_to_datetime(first.headers["date"]).timestamp()
    again = get(f"{site.url}{path}", **{"If-Modified-Since": since})
    assert (again.status_code, again.content, again.headers["etag"]) == (
        304,
        b"",
        first.headers["etag"],
    )
    later = formatdate(seconds(first) + 60, usegmt=True)
    assert get(f"{site.url}{path}", **{"If-Modified-Since": later}).status_code == 304
    earlier = formatdate(seconds(first) - 1, usegmt=True)
    assert get(f"{site.url}{path}", **{"If-Modified-Since": earlier}).content == first.content


def test_if_none_match_decides_alone_and_a_bad_date_is_ignored(site: Site) -> None:
    first = dated(f"{site.url}{PAGE}")
    since = first.headers["last-modified"]
    other = get(f"{site.url}{PAGE}", **{"If-None-Match": '"other"', "If-Modified-Since": since})
    assert (other.status_code, other.content) == (200, first.content)
    both = {"If-None-Match": first.headers["etag"], "If-Modified-Since": "yesterday"}
    assert get(f"{site.url}{PAGE}", **both).status_code == 304
    assert get(f"{site.url}{PAGE}", **{"If-Modified-Since": "yesterday"}).status_code == 200


def test_a_new_version_has_no_date_before_its_first_second_is_over(site: Site) -> None:
    """The first answer of a version is never dated: a second one could come in that second.
    A date a client made itself gets no 304 before the version's own date has come."""
    dated(f"{site.url}{PAGE}")
    site.feed(life(TRIP, "MVD-2026-0063")[1:2])  # amended
    fresh = get(f"{site.url}{PAGE}")
    assert "last-modified" not in fresh.headers
    now = formatdate(time.time() + 1, usegmt=True)  # a date a client made itself
    answer = get(f"{site.url}{PAGE}", **{"If-Modified-Since": now})
    if answer.status_code != 200:
        # The version's date is the first whole second after its first read ended, which
        # may be a moment later: a 304 is right only if the answer began once it had come.
        assert answer.status_code == 304
        began = parsedate_to_datetime(answer.headers["date"]).timestamp()
        assert began >= seconds(dated(f"{site.url}{PAGE}"))


def test_a_change_in_the_second_the_client_holds_is_never_hidden(site: Site) -> None:
    """The client holds a date; an entry is folded in that very second (most often: it comes
    as soon as the date is first given). The new answer is not 304, and dated later."""
    held = dated(f"{site.url}{PAGE}")
    site.feed(life(TRIP, "MVD-2026-0063")[1:4])  # amended, completed, reported
    asked = {"If-Modified-Since": held.headers["last-modified"]}
    fresh = get(f"{site.url}{PAGE}", **asked)
    assert fresh.status_code == 200
    assert "Tender for ten buses" in fresh.text
    assert "Tender for ten buses" not in held.text
    newer = dated(f"{site.url}{PAGE}", **asked)
    assert newer.status_code == 200
    assert seconds(newer) > seconds(held)
    assert get(f"{site.url}{PAGE}", **{"If-Modified-Since": asked_of(newer)}).status_code == 304


def test_a_replica_never_hides_what_another_process_folded(database_url: str) -> None:
    """Two processes on one database share no memory; a date one gives, the other never
    answers with 304 once a newer entry is folded, even one it never saw the version before."""
    for writer in serve(database_url):
        for replica in serve(database_url):
            writer.feed(life(TRIP, "MVD-2026-0063")[:1])
            held = dated(f"{writer.url}{PAGE}")
            asked = {"If-Modified-Since": held.headers["last-modified"]}
            writer.feed(life(TRIP, "MVD-2026-0063")[1:4])
            fresh = get(f"{replica.url}{PAGE}", **asked)
            assert fresh.status_code == 200
            assert "Tender for ten buses" in fresh.text
            newer = dated(f"{replica.url}{PAGE}", **asked)
            assert (newer.status_code, seconds(newer) > seconds(held)) == (200, True)
            across = get(f"{writer.url}{PAGE}", **{"If-Modified-Since": asked_of(newer)})
            assert across.status_code == 304 or "Tender for ten buses" in across.text
