"""The broker, which keeps everything in memory, is absent at start-up, or killed under load.

Kafka is the transport, not the store of record: trips-api's outbox keeps
what the broker has not acknowledged, and the ledger fills what the broker
lost from trips-api's catch-up endpoint.
"""

import time
from collections.abc import Iterator

import pytest

from periplus.testing import eventually
from tests.e2e.helpers import published
from tests.faults.figures import record
from tests.faults.invariants import check, settle
from tests.faults.stack import Stack, kill_broker, running

pytestmark = pytest.mark.e2e

LOAD = 40


@pytest.fixture(scope="module")
def unbrokered(fault_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """A system of its own, started before its broker."""
    folder = tmp_path_factory.mktemp(f"unbrokered-{fault_db}")
    with running(fault_db, folder, broker_up=False) as stack:
        yield stack


def test_broker_absent_at_start_up_every_approval_arrives_once_it_starts(
    unbrokered: Stack, fault_db: str
) -> None:
    """The services start with no broker: they serve, trips are approved meanwhile, and
    once the broker starts every fact is logged once, in order, and shown."""
    stack = unbrokered
    assert stack.system.broker.process is None
    stack.approve(LOAD // 3)
    stack.system.broker.start()
    started = time.monotonic()
    recovery = settle(stack, started)
    record("broker absent at start-up", fault_db, check(stack), recovery)
    through_the_broker_again(stack)


def test_broker_sigkilled_under_load_every_approval_arrives_once_it_is_back(
    stack: Stack, fault_db: str
) -> None:
    """SIGKILL of the broker while trips are approved: it comes back empty, offsets start
    again from 0, and every fact is still logged once, in order, and shown."""
    broker = stack.system.broker
    with stack.load(LOAD) as load:
        load.wait_for(LOAD // 4)
        kill_broker(broker)
        eventually(lambda: load.done() >= LOAD // 2, timeout=60)  # approved while it is down
        broker.start()
        started = time.monotonic()
    recovery = settle(stack, started)
    record("broker SIGKILLed under load", fault_db, check(stack), recovery)
    through_the_broker_again(stack)


def through_the_broker_again(stack: Stack) -> None:
    """The relay has had every event acknowledged and both consumers reach the broker:
    the catch-up endpoints were not all that carried the facts."""
    events = len(stack.source_events())
    eventually(lambda: published(stack.trips) >= events, timeout=30)
    for client in (stack.ledger, stack.public):
        eventually(lambda c=client: stack.readiness(c)["broker"]["status"] == "ok", timeout=30)
