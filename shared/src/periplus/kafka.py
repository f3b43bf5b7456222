"""Kafka plumbing: producers that survive broker restarts, and partition readers.

Consumers assign partitions by hand and keep their offsets in their own
database, in the transaction that holds their effects: no consumer group to
join, and exactly-once effects on top of at-least-once delivery.
"""

import logging
import socket
import time
from collections.abc import Mapping

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.cluster import ClusterMetadata
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import TopicAlreadyExistsError
from kafka.partitioner.default import DefaultPartitioner

log = logging.getLogger(__name__)

__all__ = ["ConsumerRecord", "TopicReader", "ensure_topic", "make_producer", "ping"]


class KeyPartitioner(DefaultPartitioner):  # type: ignore[misc]  # kafka-python is untyped
    """Java's key partitioning, without hashing the key when there is one partition.

    kafka-python hashes every key in pure Python (murmur2): for a topic of one
    partition, as ours are made, that is most of the cost of sending a message.
    """

    def partition(
        self,
        topic: str,
        key: object,
        serialized_key: bytes | None,
        value: object,
        serialized_value: bytes | None,
        cluster: ClusterMetadata,
    ) -> int:
        partitions = cluster.partitions_for_topic(topic)
        if partitions is not None and len(partitions) == 1:
            return int(next(iter(partitions)))
        return int(super().partition(topic, key, serialized_key, value, serialized_value, cluster))


def make_producer(bootstrap: str, linger_ms: int = 2, batch_bytes: int = 16_384) -> KafkaProducer:
    """A producer for ``bootstrap``; one that flushes its own batches can linger longer."""
    # Broker-side idempotence is off: a producer made before a broker restart
    # never recovers with it on, and our event ids and seq make it unneeded.
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=False,
        acks="all",
        linger_ms=linger_ms,
        batch_size=batch_bytes,
        partitioner=KeyPartitioner(),
        retries=3,
        request_timeout_ms=10_000,
        max_block_ms=10_000,
        reconnect_backoff_max_ms=1_000,
    )


def ensure_topic(bootstrap: str, topic: str, partitions: int = 1) -> None:
    """Create the topic if the broker lacks it (a memory-only broker forgets on restart)."""
    admin = KafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10_000)
    try:
        admin.create_topics([NewTopic(topic, partitions, 1)])
    except TopicAlreadyExistsError:
        pass
    finally:
        admin.close()


def ping(bootstrap: str, timeout: float = 2.0) -> None:
    """Raise unless some bootstrap server accepts a connection within ``timeout``.

    A full metadata request would wait out the client's bootstrap timeout (30 s)
    when the broker is down; readiness must answer fast.
    """
    errors: list[str] = []
    for server in bootstrap.split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            socket.create_connection((host.strip("[]"), int(port)), timeout=timeout).close()
        except (OSError, ValueError) as exc:
            errors.append(f"{server}: {exc}")
        else:
            return
    raise ConnectionError("; ".join(errors))


class TopicReader:
    """Reads every partition of one topic from positions the caller keeps."""

    def __init__(self, bootstrap: str, topic: str) -> None:
        self.topic = topic
        self.bootstrap = bootstrap
        self._consumer = KafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            reconnect_backoff_max_ms=1_000,
            request_timeout_ms=10_000,
            session_timeout_ms=6_000,
            max_poll_records=5_000,
            max_partition_fetch_bytes=8 * 1024 * 1024,
        )
        self._partitions: list[TopicPartition] = []
        # The last record read from each partition, to recognise it when probing.
        self._last: dict[int, tuple[int, bytes | None, bytes | None]] = {}

    def seek(self, positions: Mapping[int, int]) -> None:
        """Assign all partitions and move each to the stored position.

        A partition whose broker no longer holds the record just before the
        stored position has lost its log (a memory-only broker restarted): it
        is read again from its start, and consumers skip what they already have.
        """
        # Fresh metadata: after a broker restart a producer may have re-created the
        # topic with more partitions than the cached metadata knows.
        self._consumer.topics()
        partitions = self._consumer.partitions_for_topic(self.topic)
        if not partitions:
            ensure_topic(self.bootstrap, self.topic)
            partitions = self._consumer.partitions_for_topic(self.topic) or {0}
        self._partitions = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self._consumer.assign(self._partitions)
        lost = self._lost(positions)
        for tp in self._partitions:
            if tp.partition in lost:
                log.warning(
                    "the broker lost this partition's log; reading it again from the start",
                    extra={"topic": self.topic, "partition": tp.partition},
                )
            self._consumer.seek(tp, 0 if tp.partition in lost else positions.get(tp.partition, 0))

    def _lost(self, positions: Mapping[int, int], timeout: float = 2.0) -> set[int]:
        """Partitions whose record at ``position - 1`` the broker no longer holds.

        The probe reads that record rather than trusting the reported log end,
        which some Kafka-protocol brokers (Tansu 0.6) give as the start of the
        last batch instead of the end of the log. Where this reader consumed
        that record itself, a different record at the same offset (a new log
        that has grown past it) counts as lost too.
        """
        probe = {
            tp: positions[tp.partition] - 1
            for tp in self._partitions
            if positions.get(tp.partition, 0) > 0
        }
        for tp, offset in probe.items():
            self._consumer.seek(tp, offset)
        held: set[TopicPartition] = set()
        answered: set[TopicPartition] = set()
        deadline = time.monotonic() + timeout
        while probe.keys() - answered and time.monotonic() < deadline:
            for tp, records in self._consumer.poll(timeout_ms=200).items():
                for record in records:
                    if tp in probe and record.offset == probe[tp]:
                        answered.add(tp)
                        last = self._last.get(tp.partition)
                        if last is None or last == _fingerprint(record):
                            held.add(tp)
        return {tp.partition for tp in probe.keys() - held}

    def poll(self, timeout_ms: int) -> list[ConsumerRecord]:
        batches = self._consumer.poll(timeout_ms=timeout_ms)
        records = [record for tp in sorted(batches) for record in batches[tp]]
        for tp in batches:
            self._last[tp.partition] = _fingerprint(batches[tp][-1])
        return records

    def close(self) -> None:
        self._consumer.close()


def _fingerprint(record: ConsumerRecord) -> tuple[int, bytes | None, bytes | None]:
    return record.offset, record.key, record.value
