"""Recovery after a broker kill under load, against the same system's settling time.

The three services run as real processes on SQLite around a real broker, as
the fault-injection suite starts them (``tests/faults``). Each round approves
``LOAD`` trips through the trips API, two at a time:

- baseline: the broker stays up; the time from the last approval until the
  ledger holds every fact and the notifier has verified the whole log and
  delivered every webhook (what "caught up" means in the suite);
- fault: the broker is SIGKILLed a quarter of the way through and started
  again (empty: it keeps everything in memory) halfway; the time from its
  restart until caught up again.

The ratio of the two medians is the figure to watch; every round also runs
the suite's end checks, so lost and duplicated facts are counted, not assumed.
"""

import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from periplus.testing import eventually
from tests.faults.invariants import check, settle
from tests.faults.stack import Stack, kill_broker, running

ROUNDS = 3
LOAD = 40


def _baseline(stack: Stack) -> float:
    with stack.load(LOAD):
        pass
    return settle(stack, time.monotonic())


def _broker_killed(stack: Stack) -> float:
    broker = stack.system.broker
    with stack.load(LOAD) as load:
        load.wait_for(LOAD // 4)
        kill_broker(broker)
        eventually(lambda: load.done() >= LOAD // 2, timeout=60)
        broker.start()
        started = time.monotonic()
    return settle(stack, started)


def run() -> dict[str, Any]:
    baseline: list[float] = []
    recovery: list[float] = []
    lost = duplicated = 0
    with tempfile.TemporaryDirectory() as tmp, running("sqlite", Path(tmp)) as stack:
        _baseline(stack)  # warms every cache and connection up
        for _ in range(ROUNDS):
            baseline.append(_baseline(stack))
            recovery.append(_broker_killed(stack))
            outcome = check(stack)
            lost, duplicated = lost + outcome.lost, duplicated + outcome.duplicated
        approvals = len(stack.source_events())
    settled, recovered = statistics.median(baseline), statistics.median(recovery)
    return {
        "rounds": ROUNDS,
        "approvals_per_round": LOAD,
        "approvals": approvals,
        "events_lost": lost,
        "events_duplicated": duplicated,
        "baseline_settle_p50_s": round(settled, 2),
        "recovery_after_broker_kill_p50_s": round(recovered, 2),
        "recovery_after_broker_kill_max_s": round(max(recovery), 2),
        "ratio_to_baseline": round(recovered / settled, 2),
    }
