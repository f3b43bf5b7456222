"""The outbox relay and the consumer loop, over a real broker and real databases."""

import time
import uuid

import pytest
from sqlalchemy import Engine, func
from sqlalchemy.orm import registry
from sqlmodel import Field, Session, SQLModel, select

from periplus.consumer import ConsumerLoop
from periplus.kafka import Connection, Record
from periplus.outbox import OutboxRelay
from periplus.testing import Broker, Cursor, Outgoing, eventually


class Model(SQLModel, registry=registry()):
    """The consumer's tables of this test alone, in a metadata of their own."""


class Received(Model, table=True):
    payload: str = Field(primary_key=True)


class Offset(Model, table=True):
    topic: str = Field(primary_key=True)
    partition: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    offset: int


@pytest.fixture
def engine(outbox_engine: Engine) -> Engine:
    Model.metadata.create_all(outbox_engine)
    return outbox_engine


def make_relay(engine: Engine, topic: str, connection: Connection) -> OutboxRelay:
    return OutboxRelay(
        engine,
        (Outgoing.seq, Outgoing.payload),
        Cursor,
        topic,
        connection,
        lambda r: (b"k", r["payload"]),
    )


def received(engine: Engine) -> int:
    with Session(engine) as session:
        return int(session.exec(select(func.count()).select_from(Received)).one())


def store(session: Session, records: list[Record]) -> None:
    for record in records:
        if session.get(Received, record.value.decode()) is None:
            session.add(Received(payload=record.value.decode()))


def test_what_is_committed_arrives_once_even_across_restarts(
    engine: Engine, broker: Broker
) -> None:
    topic = f"test.{uuid.uuid4().hex[:8]}.v1"
    with Session(engine) as session:
        session.add_all(Outgoing(seq=i, payload=f"m{i}".encode()) for i in range(1, 51))
        session.commit()

    relay = make_relay(engine, topic, broker.connection)
    consumer = ConsumerLoop(engine, broker.connection, topic, Offset, store)
    relay.start()
    consumer.start()
    try:
        eventually(lambda: received(engine) == 50)
        eventually(lambda: relay.published() == 50)
        with Session(engine) as session:
            offset = session.get(Offset, (topic, 0))
            assert offset is not None
            assert offset.offset == 50
    finally:
        consumer.stop()

    # A new consumer resumes from the stored offset: nothing is handled twice.
    seen: list[bytes] = []

    def spy(session: Session, records: list[Record]) -> None:
        seen.extend(r.value for r in records)
        store(session, records)

    second = ConsumerLoop(engine, broker.connection, topic, Offset, spy)
    second.start()
    try:
        with Session(engine) as session:
            session.add(Outgoing(seq=51, payload=b"m51"))
            session.commit()
        relay.notify()
        eventually(lambda: received(engine) == 51)
        assert seen == [b"m51"]
    finally:
        second.stop()
        relay.stop()


def test_a_broker_restart_is_survived_by_relay_and_consumer(engine: Engine, broker: Broker) -> None:
    """The broker forgets every topic and offset; both sides reconnect and carry on."""
    topic = f"test.{uuid.uuid4().hex[:8]}.v1"
    relay = make_relay(engine, topic, broker.connection)
    consumer = ConsumerLoop(engine, broker.connection, topic, Offset, store, tick_seconds=0.5)
    with Session(engine) as session:
        session.add_all(Outgoing(seq=i, payload=f"a{i}".encode()) for i in range(1, 21))
        session.commit()
    relay.start()
    consumer.start()
    try:
        eventually(lambda: received(engine) == 20)
        broker.restart()
        with Session(engine) as session:
            session.add_all(Outgoing(seq=i, payload=f"b{i}".encode()) for i in range(21, 24))
            session.commit()
        relay.notify()
        # The new log ends at 3, below the stored offset 20: the consumer reads it from 0.
        eventually(lambda: received(engine) == 23, timeout=60)
        eventually(lambda: relay.published() == 23)
    finally:
        consumer.stop()
        relay.stop()


def test_a_consumer_with_no_broker_to_read_stops_within_seconds(engine: Engine) -> None:
    """Its wait for the broker's metadata is short: asked to stop during it, it has
    stopped once ``stop`` returns, within seconds, as a service shutting down needs."""
    nobody = Connection("127.0.0.1:9")  # refused at once
    consumer = ConsumerLoop(engine, nobody, f"test.{uuid.uuid4().hex[:8]}.v1", Offset, store)
    consumer.start()
    time.sleep(0.5)  # inside its first wait for the metadata
    asked = time.monotonic()
    consumer.stop()
    assert not consumer.is_alive()
    assert time.monotonic() - asked < 5  # the stop's own limit is 10 s
    assert not consumer.connected


def test_rows_committed_while_the_relay_lingers_go_in_one_batch(
    engine: Engine, broker: Broker
) -> None:
    """A commit wakes the relay, which waits ``linger_seconds`` for the commits just after
    it: three approvals in a burst cost one batch (two statements, one wait for the broker),
    not three."""
    topic = f"test.{uuid.uuid4().hex[:8]}.v1"
    relay = OutboxRelay(
        engine,
        (Outgoing.seq, Outgoing.payload),
        Cursor,
        topic,
        broker.connection,
        lambda r: (b"k", r["payload"]),
        idle_seconds=60.0,
        linger_seconds=2.0,
    )
    batches: list[int] = []  # what each call sent, the first (nothing yet) included
    publish = relay.publish_pending

    def counted() -> int:
        batches.append(publish())
        return batches[-1]

    relay.publish_pending = counted  # type: ignore[method-assign]
    relay.start()
    try:
        eventually(lambda: batches == [0])  # it found nothing, and waits to be woken
        for seq in (1, 2, 3):
            with Session(engine) as session:
                session.add(Outgoing(seq=seq, payload=f"burst{seq}".encode()))
                session.commit()
            relay.notify()
        eventually(lambda: relay.published() == 3, timeout=30)
        # The wake-ups of rows 2 and 3 were spent on that batch: no batch of nothing after it.
        time.sleep(2.5)
        assert batches == [0, 3]
    finally:
        relay.stop()
