"""A consumer loop whose offsets live in the service's own database.

Each batch's effects and the new offsets commit in one transaction, so a
crash between the two cannot happen, and a redelivered message meets a
unique key and is skipped by the handler.

A batch is written while the next one is read and prepared: the database
driver lets go of the interpreter while it writes, so the two overlap.
"""

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session, col, select

from periplus.follower import Backoff
from periplus.kafka import Connection, Record, TopicReader

log = logging.getLogger(__name__)

Handler = Callable[[Session, Any], None]
Prepare = Callable[[list[Record]], Any]


def _records(records: list[Record]) -> list[Record]:
    return records


def _ends(records: list[Record]) -> dict[int, int]:
    """The offset after the last record of each partition."""
    ends: dict[int, int] = {}
    for record in records:
        ends[record.partition] = max(ends.get(record.partition, 0), record.offset + 1)
    return ends


class ConsumerLoop(threading.Thread):
    """Feeds records of ``topic`` to ``handle``; ``tick`` runs every ``tick_seconds``.

    ``prepare`` turns a batch of records into what ``handle`` takes, outside
    the transaction and while the batch before is being written: parsing goes
    there. By default ``handle`` takes the records themselves.

    ``on_commit`` runs after each committed batch and tick: a service wakes its
    outbox relay there, so what the batch wrote goes out at once.

    ``offsets_model`` is the service's table with ``topic``, ``partition`` and
    ``offset`` (the next offset to read) columns.
    """

    def __init__(
        self,
        engine: Engine,
        connection: Connection,
        topic: str,
        offsets_model: Any,
        handle: Handler,
        tick: Callable[[], None] | None = None,
        tick_seconds: float = 5.0,
        on_commit: Callable[[], None] | None = None,
        prepare: Prepare = _records,
    ) -> None:
        super().__init__(name=f"consumer-{topic}", daemon=True)
        self.engine, self.connection, self.topic = engine, connection, topic
        self.offsets_model, self.handle, self.prepare = offsets_model, handle, prepare
        self.tick, self.tick_seconds = tick, tick_seconds
        self.on_commit = on_commit
        self._halt = threading.Event()
        self.connected = False

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=10)

    def positions(self) -> dict[int, int]:
        model = self.offsets_model
        with Session(self.engine) as session:
            rows = session.exec(select(model).where(col(model.topic) == self.topic)).all()
            return {row.partition: row.offset for row in rows}

    def run(self) -> None:
        backoff = Backoff(f"consumer of {self.topic}", first=0.2, most=5.0)
        while not self._halt.is_set():
            reader: TopicReader | None = None
            try:
                reader = TopicReader(self.connection, self.topic)
                reader.seek(self.positions())
                self.connected = True
                backoff.succeeded(self.topic)
                self._consume(reader)
            except Exception as exc:
                self.connected = False
                backoff.failed(self.topic, exc)
                self._run_tick()
                self._halt.wait(backoff.remaining(self.topic))
            finally:
                if reader is not None:
                    reader.close()

    def _consume(self, reader: TopicReader) -> None:
        last_tick = float("-inf")  # the first tick at once, however recent the boot
        writing: Future[None] | None = None
        with ThreadPoolExecutor(1, thread_name_prefix=f"writer-{self.topic}") as writer:
            try:
                while not self._halt.is_set():
                    records = reader.poll(timeout_ms=200)
                    if records:
                        prepared = self.prepare(records)
                        if writing is not None:
                            writing.result()  # a failed write raises: reconnect, read again
                        writing = writer.submit(self._apply, prepared, _ends(records))
                    if time.monotonic() - last_tick >= self.tick_seconds:
                        if writing is not None:
                            writing.result()
                        last_tick = time.monotonic()
                        self._run_tick()
                        reader.seek(self.positions())  # also notices a broker that lost its log
            finally:
                if writing is not None:
                    writing.result()

    def _apply(self, prepared: Any, ends: dict[int, int]) -> None:
        model = self.offsets_model
        with Session(self.engine) as session:
            self.handle(session, prepared)
            rows = [
                {"topic": self.topic, "partition": partition, "offset": offset}
                for partition, offset in sorted(ends.items())
            ]
            # One statement that inserts or updates: two consumers of one database that
            # store their first offset together do not collide on its key.
            insert = (
                postgresql.insert
                if session.get_bind().dialect.name == "postgresql"
                else sqlite.insert
            )
            statement = insert(model)
            session.execute(
                statement.on_conflict_do_update(
                    index_elements=["topic", "partition"],
                    set_={"offset": statement.excluded.offset},
                ),
                rows,
            )
            session.commit()
        if self.on_commit is not None:
            self.on_commit()

    def _run_tick(self) -> None:
        if self.tick is None:
            return
        try:
            self.tick()
            if self.on_commit is not None:
                self.on_commit()
        except Exception as exc:
            log.warning("periodic catch-up failed; will retry", extra={"error": repr(exc)})
