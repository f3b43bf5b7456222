"""The transactional outbox relay: publish committed rows to Kafka, in order.

A service writes its state and an outbox row in one transaction; this relay
publishes unpublished rows in ``seq`` order and marks them only once the
broker has acknowledged them. A crash or a broker outage delays messages and
never loses one; a resend after a crash is a duplicate that consumers skip.
"""

import contextlib
import logging
import threading
from collections.abc import Callable
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError
from prometheus_client import Counter
from sqlalchemy import Engine, select, update
from sqlmodel import Session, col

from periplus.kafka import make_producer

log = logging.getLogger(__name__)

PUBLISHED = Counter("outbox_published_total", "Outbox rows acknowledged by the broker", ["topic"])


class OutboxRelay(threading.Thread):
    """Publishes rows of ``model`` (with ``seq`` and ``published`` columns) to ``topic``."""

    def __init__(
        self,
        engine: Engine,
        model: Any,
        topic: str,
        bootstrap: str,
        message: Callable[[Any], tuple[bytes, bytes]],
        batch_size: int = 500,
        idle_seconds: float = 1.0,
    ) -> None:
        super().__init__(name=f"outbox-{topic}", daemon=True)
        self.engine, self.model, self.topic, self.bootstrap = engine, model, topic, bootstrap
        self.message = message
        self.batch_size, self.idle_seconds = batch_size, idle_seconds
        self._wake = threading.Event()
        self._halt = threading.Event()
        self._producer: KafkaProducer | None = None

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
            except (KafkaError, OSError) as exc:
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

    def publish_pending(self) -> int:
        """Publish one batch of unpublished rows; return how many were sent."""
        model = self.model
        table = model.__table__
        with Session(self.engine) as session:
            # Plain rows, not ORM objects: the relay only reads them once.
            rows = session.execute(
                select(table)
                .where(table.c.published.is_(False))
                .order_by(table.c.seq)
                .limit(self.batch_size)
            ).all()
            messages = [(row.seq, *self.message(row)) for row in rows]
        if not messages:
            return 0
        producer = self._producer or make_producer(self.bootstrap)
        self._producer = producer
        futures = [producer.send(self.topic, key=key, value=value) for _, key, value in messages]
        producer.flush(timeout=10)
        for future in futures:
            future.get(timeout=10)
        with Session(self.engine) as session:
            session.exec(
                update(model)
                .where(col(model.seq).in_([seq for seq, _, _ in messages]))
                .values(published=True)
            )
            session.commit()
        PUBLISHED.labels(self.topic).inc(len(messages))
        return len(messages)

    def _reset_producer(self) -> None:
        if self._producer is not None:
            with contextlib.suppress(KafkaError):
                self._producer.close(timeout=1)
            self._producer = None
