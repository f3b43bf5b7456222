"""Kafka plumbing: producers that survive broker restarts, and partition readers.

Consumers assign partitions by hand and keep their offsets in their own
database, in the transaction that holds their effects: no consumer group to
join, and exactly-once effects on top of at-least-once delivery.

The client is librdkafka (confluent-kafka): it encodes, batches and decodes in
C, so a message costs a few microseconds of the interpreter instead of tens.

Every client is made from a ``Connection``: the bootstrap servers and the
librdkafka options that secure the link (TLS, SASL), built from a service's
settings by ``ServiceSettings.kafka_connection``.
"""

import logging
import socket
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple

from confluent_kafka import (
    Consumer,
    KafkaError,
    KafkaException,
    Message,
    TopicPartition,
)
from confluent_kafka import Producer as _Producer
from confluent_kafka.admin import AdminClient
from confluent_kafka.cimpl import NewTopic

log = logging.getLogger(__name__)
client_log = logging.getLogger("periplus.kafka.client")  # librdkafka's own messages

__all__ = [
    "BrokerError",
    "Connection",
    "Producer",
    "Record",
    "TopicReader",
    "ensure_topic",
    "log_end",
    "make_producer",
    "ping",
]


class BrokerError(Exception):
    """The broker did not take or give what was asked, after the client's own retries."""


class Record(NamedTuple):
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes


@dataclass(frozen=True)
class Connection:
    """How to reach the broker: its bootstrap servers and the librdkafka security options.

    ``security`` holds librdkafka's own names (``security.protocol``,
    ``sasl.*``, ``ssl.*``); empty means PLAINTEXT. Its repr leaves out the
    options, which may hold a password.
    """

    bootstrap: str
    security: tuple[tuple[str, str], ...] = ()

    def __repr__(self) -> str:
        return f"Connection({self.bootstrap!r}, {self.protocol})"

    @property
    def protocol(self) -> str:
        return dict(self.security).get("security.protocol", "PLAINTEXT")

    def options(self) -> dict[str, Any]:
        """What every client of this broker is configured with."""
        return {
            "bootstrap.servers": self.bootstrap,
            "reconnect.backoff.max.ms": 1_000,
            "socket.timeout.ms": 10_000,
            "logger": client_log,
            **dict(self.security),
        }


class Producer:
    """Sends messages in the background; ``flush`` waits until the broker has them all."""

    def __init__(self, connection: Connection, linger_ms: int = 2) -> None:
        self._producer = _Producer(
            {
                **connection.options(),
                # Broker-side idempotence is off: our event ids and seq make
                # duplicates harmless, and it cannot outlive a memory-only broker.
                "enable.idempotence": False,
                "acks": "all",
                # One request at a time: a retried batch cannot land after a later one.
                "max.in.flight.requests.per.connection": 1,
                # A topic is made by ensure_topic, with one partition: a broker that
                # lost it must not make it again with its own default count.
                "allow.auto.create.topics": False,
                "linger.ms": linger_ms,
                # Java's key hash, so a key lands where other clients put it.
                "partitioner": "murmur2_random",
                "message.timeout.ms": 30_000,
            }
        )
        self._failure: KafkaError | None = None

    def send(self, topic: str, value: bytes, key: bytes | None = None) -> None:
        """Queue a message; a full queue waits up to 10 s for room, then raises BrokerError."""
        deadline = time.monotonic() + 10
        while True:
            try:
                self._producer.produce(topic, value=value, key=key, on_delivery=self._delivered)
                break
            except BufferError:
                if time.monotonic() > deadline:
                    raise BrokerError("the producer's queue stayed full for 10 s") from None
                self._producer.poll(0.05)
            except KafkaException as exc:
                raise BrokerError(str(exc)) from exc
        self._producer.poll(0)

    def flush(self, timeout: float = 10.0) -> None:
        """Wait until every queued message is acknowledged, or raise BrokerError."""
        waiting = self._producer.flush(timeout)
        failure, self._failure = self._failure, None
        if failure is not None:
            raise BrokerError(f"the broker refused a message: {failure.str()}")
        if waiting:
            raise BrokerError(f"{waiting} messages not acknowledged within {timeout} s")

    def close(self, timeout: float = 2.0) -> None:
        """Give queued messages ``timeout`` to leave, then drop what is left."""
        self._producer.flush(timeout)
        self._producer.purge()
        self._producer.flush(0)

    def _delivered(self, error: KafkaError | None, _message: Message) -> None:
        if error is not None and self._failure is None:
            self._failure = error


def make_producer(connection: Connection, linger_ms: int = 2) -> Producer:
    """A producer for ``connection``; one that flushes its own batches can linger longer."""
    return Producer(connection, linger_ms)


def ensure_topic(connection: Connection, topic: str, partitions: int = 1) -> None:
    """Create the topic if the broker lacks it (a memory-only broker forgets on restart)."""
    admin = AdminClient(connection.options())
    futures = admin.create_topics(
        [NewTopic(topic, num_partitions=partitions, replication_factor=1)], request_timeout=10
    )
    try:
        futures[topic].result(timeout=15)
    except KafkaException as exc:
        if exc.args[0].code() != KafkaError.TOPIC_ALREADY_EXISTS:
            raise BrokerError(f"cannot create topic {topic}: {exc}") from exc


def ping(connection: Connection, timeout: float = 2.0) -> None:
    """Raise unless some bootstrap server accepts a TCP connection within ``timeout``.

    A metadata request would wait out the client's own timeouts when the
    broker is down; readiness must answer fast. So this checks reachability
    only: neither the TLS handshake nor the SASL credentials.
    """
    errors: list[str] = []
    for server in connection.bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
        except (OSError, ValueError) as exc:
            errors.append(f"{server}: {exc}")
        else:
            return
    raise ConnectionError("; ".join(errors))


def log_end(connection: Connection, topic: str, timeout: float = 1.0) -> dict[int, int]:
    """The offset after each partition's last record, as the broker reports it; BrokerError
    if it does not answer within ``timeout``. Tansu 0.6 reports less (see ``TopicReader``)."""
    consumer = Consumer({**connection.options(), "group.id": f"periplus.{topic}"})
    try:
        found = consumer.list_topics(topic, timeout=timeout).topics.get(topic)
        if found is None or found.error is not None:
            return {}
        return {
            partition: int(
                consumer.get_watermark_offsets(TopicPartition(topic, partition), timeout)[1]
            )
            for partition in sorted(found.partitions)
        }
    except KafkaException as exc:
        raise BrokerError(f"no log end for {topic}: {exc}") from exc
    finally:
        consumer.close()


def lag(connection: Connection, topic: str, positions: Mapping[int, int]) -> int:
    """How many records of ``topic`` lie past a consumer's ``positions`` (the next offset it
    reads in each partition); BrokerError if the broker gives no log end."""
    ends = log_end(connection, topic)
    return sum(max(0, end - positions.get(partition, 0)) for partition, end in ends.items())


# A broker that is up answers a metadata request at once; one that is down is asked again
# after a back-off. The wait is short so that a consumer asked to stop meanwhile stops
# within seconds, not after it (rdkafka's wait cannot be cut short).
METADATA_SECONDS = 2.0


class TopicReader:
    """Reads every partition of one topic from positions the caller keeps."""

    def __init__(self, connection: Connection, topic: str) -> None:
        self.topic = topic
        self.connection = connection
        self._consumer = Consumer(
            {
                **connection.options(),
                "group.id": f"periplus.{topic}",  # required, never joined: partitions are assigned
                "enable.auto.commit": False,
                "enable.auto.offset.store": False,
                "auto.offset.reset": "earliest",
                "max.partition.fetch.bytes": 8 * 1024 * 1024,
                # Ask again soon when the broker has nothing: not every broker
                # answers a waiting fetch as soon as a message arrives.
                "fetch.wait.max.ms": 50,
            }
        )
        self._partitions: list[int] = []
        # The last record read from each partition, to recognise it when probing.
        self._last: dict[int, tuple[int, bytes | None, bytes | None]] = {}
        # The stored position at which each partition was last found lost.
        self._found_lost: dict[int, int] = {}

    def seek(self, positions: Mapping[int, int]) -> None:
        """Assign all partitions and move each to the stored position.

        A partition whose broker no longer holds the record just before the
        stored position has lost its log (a memory-only broker restarted): it
        is read again from its start, and consumers skip what they already have.
        """
        # Fresh metadata: after a broker restart a producer may have re-created the
        # topic with more partitions than before.
        partitions = self._partitions_now()
        if not partitions:
            ensure_topic(self.connection, self.topic)
            partitions = self._partitions_now() or [0]
        self._partitions = partitions
        lost = self._lost(positions)
        for partition in lost:
            if self._found_lost.get(partition) == positions[partition]:
                continue  # said already; nothing has been read since
            self._found_lost[partition] = positions[partition]
            log.warning(
                "the broker lost this partition's log; reading it again from the start",
                extra={"topic": self.topic, "partition": partition},
            )
        self._consumer.assign(
            [
                TopicPartition(self.topic, p, 0 if p in lost else positions.get(p, 0))
                for p in partitions
            ]
        )

    def _partitions_now(self) -> list[int]:
        try:
            metadata = self._consumer.list_topics(self.topic, timeout=METADATA_SECONDS)
        except KafkaException as exc:
            raise BrokerError(f"no metadata for {self.topic}: {exc}") from exc
        found = metadata.topics.get(self.topic)
        if found is None or found.error is not None:
            return []
        return sorted(found.partitions)

    def _lost(self, positions: Mapping[int, int], timeout: float = 2.0) -> set[int]:
        """Partitions whose record at ``position - 1`` the broker no longer holds.

        The probe reads that record rather than trusting the reported log end,
        which some Kafka-protocol brokers (Tansu 0.6) give as the start of the
        last batch instead of the end of the log. Where this reader consumed
        that record itself, a different record at the same offset (a new log
        that has grown past it) counts as lost too.
        """
        stored = {p: positions[p] for p in self._partitions if positions.get(p, 0) > 0}
        # Found lost at this same position before: nothing was read since, so no
        # need to wait on the probe again (reading from the start is safe anyway).
        known = {p for p, at in stored.items() if self._found_lost.get(p) == at}
        probe = {p: at - 1 for p, at in stored.items() if p not in known}
        if not probe:
            return known
        self._consumer.assign([TopicPartition(self.topic, p, o) for p, o in probe.items()])
        held: set[int] = set()
        answered: set[int] = set()
        deadline = time.monotonic() + timeout
        while probe.keys() - answered and time.monotonic() < deadline:
            for record in self._read(500, 0.2):
                if probe.get(record.partition) == record.offset:
                    answered.add(record.partition)
                    last = self._last.get(record.partition)
                    if last is None or last == _fingerprint(record):
                        held.add(record.partition)
        return (probe.keys() - held) | known

    def poll(self, timeout_ms: int) -> list[Record]:
        records = self._read(5_000, timeout_ms / 1000)
        for record in records:
            self._last[record.partition] = _fingerprint(record)
            self._found_lost.pop(record.partition, None)
        return records

    def _read(self, count: int, timeout: float) -> list[Record]:
        """Up to ``count`` records: those already fetched, else the first to come within
        ``timeout`` and any fetched with it (``consume`` alone waits for all ``count``)."""
        messages = self._consumer.consume(count, 0)
        if not messages:
            messages = self._consumer.consume(1, timeout)
            if messages:
                messages += self._consumer.consume(count - 1, 0)
        records: list[Record] = []
        for message in messages:
            error = message.error()
            if error is not None:
                if error.fatal():
                    raise BrokerError(error.str())
                log.debug("consumer notice", extra={"error": error.str()})
                continue
            records.append(
                Record(
                    self.topic,
                    message.partition() or 0,
                    message.offset() or 0,
                    message.key(),
                    message.value() or b"",
                )
            )
        return records

    def close(self) -> None:
        self._consumer.close()


def _fingerprint(record: Record) -> tuple[int, bytes | None, bytes | None]:
    return record.offset, record.key, record.value
