"""The outbox relay: publish a gapless, append-only table to Kafka, in order.

A service writes its state and the row that announces it in one transaction,
and numbers those rows without gaps under a lock held to commit, so what is
committed is always a prefix. The relay publishes the rows after its cursor,
in order, and moves the cursor (a row in the same database) only once the
broker has acknowledged them. A crash or a broker outage delays messages and
never loses one; a resend after a crash is a duplicate that consumers skip.
"""

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from prometheus_client import Counter
from sqlalchemy import Connection, Engine, select
from sqlmodel import Session, col

from periplus import db, kafka
from periplus.kafka import BrokerError, Producer, ensure_topic, make_producer

log = logging.getLogger(__name__)

PUBLISHED = Counter("outbox_published_total", "Outbox rows acknowledged by the broker", ["topic"])

Message = Callable[[Mapping[Any, Any]], tuple[bytes, bytes] | None]
"""A row's Kafka key and value, or None for a row that must not be sent (withheld)."""


class OutboxRelay(threading.Thread):
    """Publishes rows to ``topic`` in the order of their position.

    ``columns`` are the table's position column, then those ``message`` reads
    to make a row's Kafka key and value. ``cursor_model`` is the service's table
    with ``topic`` and ``position`` (the last position published) columns.
    """

    def __init__(
        self,
        engine: Engine,
        columns: Sequence[Any],
        cursor_model: Any,
        topic: str,
        connection: kafka.Connection,
        message: Message,
        batch_size: int = 1000,
        idle_seconds: float = 1.0,
    ) -> None:
        super().__init__(name=f"outbox-{topic}", daemon=True)
        self.engine, self.topic, self.connection = engine, topic, connection
        self.columns = [col(c) for c in columns]
        self.cursor_model, self.message = cursor_model, message
        self.batch_size, self.idle_seconds = batch_size, idle_seconds
        self._wake = threading.Event()
        self._halt = threading.Event()
        self._producer: Producer | None = None

    def notify(self) -> None:
        """Tell the relay that rows were committed, so it need not wait for its timer."""
        self._wake.set()

    def stop(self) -> None:
        self._halt.set()
        self._wake.set()
        self.join(timeout=10)
        if self._producer is not None:
            self._producer.close(timeout=2)

    def run(self) -> None:
        backoff = 0.1
        while not self._halt.is_set():
            try:
                sent = self.publish_pending()
                backoff = 0.1
            except (BrokerError, OSError) as exc:
                log.warning("outbox relay cannot publish; will retry", extra={"error": repr(exc)})
                self._reset_producer()
                self._halt.wait(backoff)
                backoff = min(backoff * 2, 5.0)
                continue
            except Exception:
                log.exception("outbox relay failed; will retry")
                self._halt.wait(1.0)
                continue
            if sent < self.batch_size:
                self._wake.wait(self.idle_seconds)
                self._wake.clear()

    def published(self) -> int | None:
        """The last position the broker acknowledged, or None before the first."""
        with db.reading(self.engine) as connection:
            return self._cursor(connection)

    def _cursor(self, connection: Connection) -> int | None:
        model = self.cursor_model
        query = select(model.position).where(model.topic == self.topic)
        position = connection.execute(query).scalar()
        return None if position is None else int(position)

    def publish_pending(self) -> int:
        """Publish one batch of the rows after the cursor; return how many were sent."""
        position = self.columns[0]
        query = select(*self.columns).order_by(position).limit(self.batch_size)
        with db.reading(self.engine) as connection:
            last = self._cursor(connection)
            if last is not None:
                query = query.where(position > last)
            rows = connection.execute(query).all()
        if not rows:
            return 0
        producer = self._producer or self._connect()
        for row in rows:
            message = self.message(row._mapping)
            if message is None:
                continue
            key, value = message
            producer.send(self.topic, value, key)
        producer.flush(timeout=10)
        end = rows[-1][0]
        with Session(self.engine) as session:
            session.merge(self.cursor_model(topic=self.topic, position=end))
            session.commit()
        PUBLISHED.labels(self.topic).inc(len(rows))
        return len(rows)

    def _connect(self) -> Producer:
        # One partition, made before the first message: a broker would otherwise
        # make the topic with its default count, and the order would be lost.
        ensure_topic(self.connection, self.topic)
        # The relay flushes each batch itself: lingering costs no delay.
        self._producer = make_producer(self.connection, linger_ms=1_000)
        return self._producer

    def _reset_producer(self) -> None:
        if self._producer is not None:
            self._producer.close(timeout=1)
            self._producer = None
