"""One relay per outbox: replicas on one database publish each row once, and hand over.

Run as a script (``python test_outbox_lease.py URL BOOTSTRAP TOPIC``), this file
is a relay in a process of its own, for a test to kill.
"""

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import Engine, text
from sqlmodel import Session

from periplus import db
from periplus.kafka import Connection, TopicReader, make_producer
from periplus.lease import Lease
from periplus.outbox import OutboxRelay
from periplus.testing import Broker, Cursor, Outgoing, eventually


def make_relay(
    engine: Engine, topic: str, connection: Connection, lease_seconds: float = 3.0
) -> OutboxRelay:
    return OutboxRelay(
        engine,
        (Outgoing.seq, Outgoing.payload),
        Cursor,
        topic,
        connection,
        lambda r: (b"k", r["payload"]),
        batch_size=40,
        idle_seconds=0.2,
        lease_seconds=lease_seconds,
    )


@pytest.fixture
def engine(outbox_engine: Engine) -> Engine:
    """The outbox's database, by the name these tests give it."""
    return outbox_engine


@pytest.fixture
def topic() -> str:
    return f"test.{uuid.uuid4().hex[:8]}.v1"


def add(engine: Engine, first: int, last: int, *relays: OutboxRelay) -> list[bytes]:
    with Session(engine) as session:
        session.add_all(Outgoing(seq=i, payload=f"m{i}".encode()) for i in range(first, last + 1))
        session.commit()
    for relay in relays:
        relay.notify()
    return [f"m{i}".encode() for i in range(first, last + 1)]


def on_topic(connection: Connection, topic: str) -> list[bytes]:
    """Every message on the topic, read up to an end marker sent after them."""
    producer = make_producer(connection)
    producer.send(topic, b"end", b"k")
    producer.flush()
    producer.close()
    reader = TopicReader(connection, topic)
    got: list[bytes] = []
    try:
        reader.seek({})

        def ended() -> bool:
            got.extend(record.value for record in reader.poll(200))
            return b"end" in got

        eventually(ended)
    finally:
        reader.close()
    return got[: got.index(b"end")]


def leading_gauge(topic: str) -> float | None:
    return REGISTRY.get_sample_value("outbox_relay_lease_held", {"topic": topic})


def test_one_holder_at_a_time_and_a_lapsed_lease_is_taken(engine: Engine) -> None:
    first, second = Lease(engine, "job", seconds=2), Lease(engine, "job", seconds=30)
    assert first.acquire()
    assert not second.acquire()
    assert first.acquire()  # renewed
    assert second.current_holder() == first.holder
    eventually(second.acquire)  # once the first lapses
    assert not first.acquire()
    with engine.begin() as connection:
        assert not first.confirm(connection)
        assert second.confirm(connection)
    second.release()
    assert second.current_holder() is None
    assert first.acquire()


def test_two_relays_on_one_outbox_publish_each_row_once(
    engine: Engine, broker: Broker, topic: str
) -> None:
    relays = [make_relay(engine, topic, broker.connection, lease_seconds=30) for _ in range(2)]
    for relay in relays:
        relay.start()
    try:
        sent = add(engine, 1, 150, *relays)
        eventually(lambda: relays[0].published() == 150)
        sent += add(engine, 151, 300, *relays)
        eventually(lambda: relays[0].published() == 300)
        assert [relay.leading for relay in relays].count(True) == 1
        assert leading_gauge(topic) is not None
    finally:
        for relay in relays:
            relay.stop()
    assert on_topic(broker.connection, topic) == sent


def test_a_stopped_holder_hands_over_and_nothing_is_lost_or_repeated(
    engine: Engine, broker: Broker, topic: str
) -> None:
    # A long lease: the standby takes over because the holder released it, not because it lapsed.
    relays = [make_relay(engine, topic, broker.connection, lease_seconds=60) for _ in range(2)]
    for relay in relays:
        relay.start()
    try:
        sent = add(engine, 1, 100, *relays)
        eventually(lambda: relays[0].published() == 100)
        holder = next(relay for relay in relays if relay.leading)
        standby = next(relay for relay in relays if relay is not holder)
        holder.stop()
        sent += add(engine, 101, 200, standby)
        eventually(lambda: standby.published() == 200, timeout=30)
        assert standby.leading
    finally:
        for relay in relays:
            relay.stop()
    assert on_topic(broker.connection, topic) == sent


def test_a_killed_holder_is_taken_over_when_its_lease_lapses(
    engine: Engine, database_url: str, broker: Broker, topic: str
) -> None:
    sent = add(engine, 1, 200)
    child = subprocess.Popen(
        [sys.executable, __file__, database_url, broker.bootstrap, topic],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    standby = make_relay(engine, topic, broker.connection)
    try:
        lease = Lease(engine, f"outbox:{topic}")
        eventually(lambda: f":{child.pid}:" in (lease.current_holder() or ""), timeout=60)
        standby.start()
        eventually(lambda: (standby.published() or 0) > 0, timeout=60)  # the child publishes
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        sent += add(engine, 201, 300, standby)
        eventually(lambda: standby.published() == 300, timeout=60)
        assert standby.leading
    finally:
        standby.stop()
        if child.poll() is None:
            child.kill()
            child.wait()
        assert child.stderr is not None
        child.stderr.close()
    got = on_topic(broker.connection, topic)
    # Nothing is lost; a batch the child sent but did not record may come twice, in order.
    assert set(got) == set(sent)
    assert list(dict.fromkeys(got)) == sent


def test_a_relay_whose_lease_was_taken_publishes_nothing(
    engine: Engine, broker: Broker, topic: str
) -> None:
    relay = make_relay(engine, topic, broker.connection, lease_seconds=60)
    relay.start()
    try:
        sent = add(engine, 1, 10, relay)
        eventually(lambda: relay.published() == 10)
        assert relay.leading
        assert leading_gauge(topic) == 1
        # Another process took the lease (this one was stalled past it, say).
        with engine.begin() as connection:
            connection.execute(
                text("UPDATE lease SET holder = 'elsewhere', expires_at = expires_at + 3600")
            )
        add(engine, 11, 20, relay)
        eventually(lambda: not relay.leading)
        assert relay.published() == 10
        assert leading_gauge(topic) == 0
    finally:
        relay.stop()
    assert on_topic(broker.connection, topic) == sent


def test_a_holder_that_takes_its_lease_back_starts_after_the_other_holders_cursor(
    engine: Engine, broker: Broker, topic: str
) -> None:
    # Batches by hand, in turn: the holder keeps its cursor in memory between batches,
    # and must not trust it once its lease lapsed and another moved the cursor since.
    first, second = (make_relay(engine, topic, broker.connection, lease_seconds=1.0) for _ in "12")
    try:
        sent = add(engine, 1, 10)
        assert first.publish_pending() == 10
        sent += add(engine, 11, 20)
        eventually(lambda: second.publish_pending() == 10)  # once the first's lease lapsed
        second.lease.release()
        sent += add(engine, 21, 25)
        assert first.publish_pending() == 5
        assert first.published() == 25
    finally:
        first.stop()
        second.stop()
    assert on_topic(broker.connection, topic) == sent


def _run_relay(url: str, bootstrap: str, topic: str) -> None:
    """A relay in this process until it is killed."""
    engine = db.make_engine(url)
    make_relay(engine, topic, Connection(bootstrap)).start()
    while True:
        time.sleep(60)


if __name__ == "__main__":
    _run_relay(*sys.argv[1:4])
