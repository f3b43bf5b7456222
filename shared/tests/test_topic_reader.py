"""A reader notices a broker that lost its log, even when the new log grew past it."""

import logging
import time
import uuid

import pytest

from periplus.kafka import TopicReader, ensure_topic, make_producer
from periplus.testing import Broker


def read_for(reader: TopicReader, seconds: float) -> list[bytes]:
    got: list[bytes] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        got += [record.value for record in reader.poll(200)]
    return got


def test_a_new_log_at_the_same_offsets_is_read_from_its_start(broker: Broker) -> None:
    topic = f"test.{uuid.uuid4().hex[:8]}.v1"
    ensure_topic(broker.connection, topic)
    reader = TopicReader(broker.connection, topic)
    producer = make_producer(broker.connection)
    try:
        reader.seek({})
        producer.send(topic, b"old", b"a")
        producer.flush()
        assert read_for(reader, 1.5) == [b"old"]

        broker.restart()
        # The topic is made again, as a relay does, and the new log grows past offset 0.
        ensure_topic(broker.connection, topic)
        sent = [f"new{i}".encode() for i in range(8)]
        for i, value in enumerate(sent):
            producer.send(topic, value, f"k{i}".encode())
        producer.flush(timeout=30)

        reader.seek({0: 1})  # the position stored after reading "old"
        assert sorted(read_for(reader, 3)) == sent
    finally:
        producer.close(timeout=2)
        reader.close()


def test_a_lost_log_is_reported_once_until_something_is_read(
    broker: Broker, caplog: pytest.LogCaptureFixture
) -> None:
    topic = f"test.{uuid.uuid4().hex[:8]}.v1"
    ensure_topic(broker.connection, topic)
    reader = TopicReader(broker.connection, topic)
    try:
        with caplog.at_level(logging.WARNING, logger="periplus.kafka"):
            for _ in range(3):  # a consumer re-seeks to its stored offsets at every tick
                reader.seek({0: 5})  # stored by a consumer of a log this broker never had
        lost = [r for r in caplog.records if "lost this partition's log" in r.getMessage()]
        assert len(lost) == 1
    finally:
        reader.close()
