"""What every follower promises, shown for the ledger (following the cities) and the
notifier (following the ledger) alike: ``periplus.follower``'s rules.

Real databases, real HTTP to the source, the services' own ingestion code.
"""

import logging
import threading

import pytest

from tests.follower.harness import Harness, no_write_held


def test_records_are_applied_in_order_whatever_order_they_arrive_in(follower: Harness) -> None:
    follower.publish("A", 5)
    follower.deliver("A", [3, 1, 2, 5, 4])
    assert follower.applied("A") == [1, 2, 3, 4, 5]
    assert follower.quarantined() == []


def test_a_gap_is_filled_from_the_source(follower: Harness) -> None:
    follower.publish("A", 5)
    follower.deliver("A", [1, 5])
    assert follower.applied("A") == [1, 2, 3, 4, 5]
    assert follower.switch.asked > 0


def test_a_record_that_cannot_be_applied_is_quarantined_alone(follower: Harness) -> None:
    follower.publish("A", 4, poisoned=(2,))
    follower.publish("B", 3)
    follower.deliver("A", [1, 2, 3, 4])
    follower.deliver("B", [1, 2, 3])
    follower.follow()
    assert set(follower.quarantined()) == {("A", 2)}
    assert follower.applied("B") == [1, 2, 3]  # another stream never waits for it
    # Its own stream waits at it (the ledger: a source's seqs stay in order until an
    # operator resolves it in public) or goes on past it (the notifier).
    assert follower.applied("A") == ([1] if follower.holds else [1, 3, 4])
    listed = follower.quarantined()
    follower.deliver("A", [2])
    follower.follow()
    assert follower.quarantined() == listed  # listed once, however often it comes


def test_a_source_that_hangs_times_out_and_holds_no_write(follower: Harness) -> None:
    follower.publish("A", 3)
    follower.switch.mode = "hang"
    outcome: list[int] = []
    catching_up = threading.Thread(target=lambda: outcome.append(follower.follow()))
    catching_up.start()
    try:
        assert follower.switch.hanging.wait(30)
        assert no_write_held(follower.engine)  # while the fetch waits
    finally:
        catching_up.join(30)
    assert not catching_up.is_alive()  # the fetch timed out
    assert outcome == [0]
    assert follower.applied("A") == []


def test_a_failing_source_is_backed_off_then_caught_up_and_said_once_each(
    follower: Harness, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="periplus.follower")
    follower.publish("A", 3)
    follower.switch.mode = "down"
    assert follower.follow() == 0
    asked = follower.switch.asked
    assert follower.follow() == 0
    assert follower.switch.asked == asked  # backing off: not asked again yet
    follower.clock.advance(120)
    assert follower.follow() == 0
    assert follower.switch.asked > asked  # asked again once the back-off ran out
    follower.switch.mode = "up"
    follower.clock.advance(600)
    assert follower.follow() == 3
    assert follower.applied("A") == [1, 2, 3]
    failed = [keyed(r) for r in caplog.records if r.message.endswith("failed; backing off")]
    recovered = [keyed(r) for r in caplog.records if r.message.endswith("answers again")]
    assert failed  # once per source that failed, however often it failed, and once back
    assert sorted(failed) == sorted(set(failed)) == sorted(recovered)


def keyed(record: logging.LogRecord) -> str:
    """The source a follower's log line names."""
    return str(record.__dict__["key"])


def test_the_position_survives_a_restart(follower: Harness) -> None:
    follower.publish("A", 3)
    assert follower.follow() == 3
    follower.restart()
    follower.publish("A", 2)
    assert follower.follow() == 2
    assert follower.applied("A") == [1, 2, 3, 4, 5]


def test_a_redelivery_is_a_no_op(follower: Harness) -> None:
    follower.publish("A", 3)
    follower.deliver("A", [1, 2, 3])
    follower.deliver("A", [1, 2, 3])
    assert follower.follow() == 0
    follower.restart()
    follower.deliver("A", [2, 3])
    assert follower.follow() == 0
    assert follower.applied("A") == [1, 2, 3]
    assert follower.quarantined() == []
