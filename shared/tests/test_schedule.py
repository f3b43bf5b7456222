"""The timing every follower shares: back-off per source, and the schedule that wakes,
polls and retries (``periplus.follower``, ``periplus.periodic``)."""

import logging
import threading

import pytest

from periplus.follower import Backoff, FetchError, NotYetError
from periplus.periodic import Schedule
from periplus.testing import eventually


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_each_source_backs_off_alone_ever_later_up_to_a_cap() -> None:
    clock = Clock()
    backoff = Backoff("source", first=1.0, most=4.0, jitter=0.0, clock=clock)
    assert [backoff.failed("a", FetchError("down")) for _ in range(4)] == [1.0, 2.0, 4.0, 4.0]
    assert not backoff.ready("a")
    assert backoff.ready("b")  # another source is asked as usual
    clock.now = 3.9
    assert not backoff.ready("a")
    clock.now = 4.0
    assert backoff.ready("a")
    backoff.succeeded("a")
    assert backoff.failed("a", FetchError("down again")) == 1.0  # the count starts over


def test_jitter_spreads_each_delay_within_its_share() -> None:
    backoff = Backoff("source", first=10.0, most=10.0, jitter=0.2, clock=Clock())
    delays = {round(backoff.failed(str(n), FetchError("down")), 6) for n in range(50)}
    assert all(8.0 <= delay <= 12.0 for delay in delays)
    assert len(delays) > 1


def test_a_source_with_nothing_yet_is_asked_again_soon_at_jittered_times() -> None:
    clock = Clock()
    backoff = Backoff("source", first=0.5, jitter=0.2, clock=clock)
    delays = {round(backoff.not_yet(str(n), NotYetError("no quorum yet")), 6) for n in range(50)}
    assert all(0.4 <= delay <= 0.6 for delay in delays)
    assert len(delays) > 1  # replicas waiting for the same quorum do not ask in step
    delay = backoff.not_yet("a", NotYetError("no quorum yet"))
    assert not backoff.failing("a")
    assert backoff.pending("a") == "no quorum yet"
    clock.now = delay - 0.001
    assert not backoff.ready("a")
    clock.now = delay
    assert backoff.ready("a")


def test_a_failure_and_the_recovery_are_each_said_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="periplus.follower")
    clock = Clock()
    backoff = Backoff("source", clock=clock)
    calls: list[str] = []

    def down() -> str:
        calls.append("asked")
        raise FetchError("down")

    for _ in range(5):
        assert backoff.attempt("a", down) is None
        clock.now += 100
    assert backoff.attempt("a", lambda: "answer") == "answer"
    assert len(calls) == 5
    assert [r.message for r in caplog.records] == [
        "source failed; backing off",
        "source answers again",
    ]


def test_attempt_skips_a_source_that_backs_off() -> None:
    backoff = Backoff("source", clock=Clock())
    backoff.failed("a", FetchError("down"))
    asked: list[str] = []
    assert backoff.attempt("a", lambda: asked.append("a")) is None
    assert asked == []


def test_a_schedule_runs_at_start_when_notified_and_while_something_waits() -> None:
    runs: list[int] = []
    waiting = threading.Event()
    schedule = Schedule(
        "work", lambda: runs.append(1), every=3600, poll=0.01, waiting=waiting.is_set
    )
    schedule.start()
    try:
        eventually(lambda: len(runs) == 1)  # at start, then not for an hour
        waiting.set()
        schedule.notify()
        eventually(lambda: len(runs) > 3)  # polled while something waits
        waiting.clear()
    finally:
        schedule.stop()
    assert not schedule.is_alive()


def test_a_schedule_retries_work_that_failed_until_it_succeeds() -> None:
    outcomes = [RuntimeError("first"), RuntimeError("second")]
    done = threading.Event()

    def work() -> None:
        if outcomes:
            raise outcomes.pop(0)
        done.set()

    schedule = Schedule("work", work, every=3600, retry=0.01)
    schedule.start()
    try:
        assert done.wait(30)
    finally:
        schedule.stop()
    assert not schedule.backoff.failing("work")
