"""Kafka plumbing: producers that survive broker restarts, and partition readers.

Consumers assign partitions by hand and keep their offsets in their own
database, in the transaction that holds their effects: no consumer group to
join, and exactly-once effects on top of at-least-once delivery.
"""

import logging
import socket
from collections.abc import Mapping

from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic
from kafka.consumer.fetcher import ConsumerRecord
from kafka.errors import TopicAlreadyExistsError

log = logging.getLogger(__name__)

__all__ = ["ConsumerRecord", "TopicReader", "ensure_topic", "make_producer", "ping"]


def make_producer(bootstrap: str) -> KafkaProducer:
    # Broker-side idempotence is off: a producer made before a broker restart
    # never recovers with it on, and our event ids and seq make it unneeded.
    return KafkaProducer(
        bootstrap_servers=bootstrap,
        enable_idempotence=False,
        acks="all",
        linger_ms=2,
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
            max_poll_records=1_000,
        )
        self._partitions: list[TopicPartition] = []

    def seek(self, positions: Mapping[int, int]) -> None:
        """Assign all partitions and move each to the stored position.

        A stored position past the log end means the broker lost its log (a
        memory-only broker restarted): read that partition again from its start.
        """
        partitions = self._consumer.partitions_for_topic(self.topic)
        if not partitions:
            ensure_topic(self.bootstrap, self.topic)
            partitions = self._consumer.partitions_for_topic(self.topic) or {0}
        self._partitions = [TopicPartition(self.topic, p) for p in sorted(partitions)]
        self._consumer.assign(self._partitions)
        ends = self._consumer.end_offsets(self._partitions)
        for tp in self._partitions:
            wanted = positions.get(tp.partition, 0)
            if wanted > ends.get(tp, 0):
                log.warning(
                    "stored offset is past the log end; the broker lost its log",
                    extra={"topic": self.topic, "partition": tp.partition, "offset": wanted},
                )
                wanted = 0
            self._consumer.seek(tp, wanted)

    def behind_end(self, positions: Mapping[int, int]) -> bool:
        """True when some stored position lies past the broker's log end."""
        ends = self._consumer.end_offsets(self._partitions)
        return any(positions.get(tp.partition, 0) > ends.get(tp, 0) for tp in self._partitions)

    def poll(self, timeout_ms: int) -> list[ConsumerRecord]:
        batches = self._consumer.poll(timeout_ms=timeout_ms)
        return [record for tp in sorted(batches) for record in batches[tp]]

    def close(self) -> None:
        self._consumer.close()
