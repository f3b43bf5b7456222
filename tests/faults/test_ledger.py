"""The ledger's writer dies or loses its lock while events pour in; a standby runs beside it.

Two ledger processes share one database: the writer appends, signs and
announces; the standby serves reads and takes the writer's role when the
writer's lock goes (with its process, or on PostgreSQL with its lock's session).
"""

import time

import pytest

from periplus.testing import eventually
from tests.faults.figures import record
from tests.faults.invariants import check, settle
from tests.faults.stack import Stack, terminate_lock_session

pytestmark = pytest.mark.e2e

LOAD = 40


def writers(stack: Stack) -> list[str]:
    """The ledger processes that say they hold the writer's role."""
    found = []
    for name, program in stack.system.programs.items():
        if program == "ledger" and name in stack.system.processes:
            checks = stack.readiness(stack.ledger_client(name))
            if checks["writer"].get("writer"):
                found.append(name)
    return found


def test_ledger_sigkilled_mid_ingest_the_standby_takes_over_and_nothing_is_lost(
    stack: Stack, fault_db: str
) -> None:
    """SIGKILL of the writing ledger mid-ingest: the standby becomes the writer, the killed
    process comes back as the standby, and every fact is logged once, in order."""
    system = stack.system
    with stack.load(LOAD) as load:
        load.wait_for(LOAD // 4)
        (writer,) = eventually(lambda: writers(stack))
        system.kill(writer)
        started = time.monotonic()
        other = "standby" if writer == "ledger" else "ledger"
        stack.ledger_name = other
        eventually(lambda: writers(stack) == [other], timeout=30)
        took_over = time.monotonic() - started
        system.start(writer)  # the notifier reads the ledger at its address: it answers again
    recovery = settle(stack, started)
    outcome = check(stack)
    assert writers(stack) == [other]
    fault = f"ledger SIGKILLed mid-ingest, standby running (writing after {took_over:.1f} s)"
    record(fault, fault_db, outcome, recovery)


@pytest.mark.databases("postgresql")
def test_writer_lock_session_terminated_another_writer_takes_over_and_nothing_is_lost(
    stack: Stack, fault_db: str
) -> None:
    """``pg_terminate_backend`` of the session holding the writer's advisory lock: the old
    writer steps down, one process (either) writes on, and every fact is logged once."""
    with stack.load(LOAD) as load:
        load.wait_for(LOAD // 4)
        eventually(lambda: len(writers(stack)) == 1)
        terminate_lock_session(stack.system.env["LEDGER_DATABASE_URL"])
        started = time.monotonic()
    recovery = settle(stack, started)
    outcome = check(stack)
    assert len(eventually(lambda: writers(stack))) == 1
    record("pg_terminate_backend of the writer's lock session", fault_db, outcome, recovery)
