"""The outbox relay: publish a gapless, append-only table to Kafka, in order.

A service writes its state and the row that announces it in one transaction,
and numbers those rows without gaps under a lock held to commit, so what is
committed is always a prefix. The relay publishes the rows after its cursor,
in order, and moves the cursor (a row in the same database) only once the
broker has acknowledged them. A crash or a broker outage delays messages and
never loses one; a resend after a crash is a duplicate that consumers skip.

Only the holder of the outbox's lease (``periplus.lease``, a row in the same
database) publishes, so replicas of a service on one database do not each send
every row: the others stand by and take over when the holder stops or its
lease lapses. The relay checks the lease (a read) before each batch, renews it
once half of it has passed, sends the batch only while the lease lasts, and
moves the cursor only in a transaction that finds the lease still its own.

A committed row wakes the relay (``notify``), which lingers a moment (50 ms) so that
the rows committed just after it go in the same batch: a batch a row would cost each
approval two statements, a send and a wait for the broker, on the service's own
database and machine. While it holds the lease no one else
moves the cursor, so it reads the cursor once per lease taken or renewed, not before
each batch: a batch reads the rows while the lease is its own, then confirms the lease
and moves the cursor. On PostgreSQL each is one statement, on a connection of the
relay's own outside any transaction, so a batch costs two round trips. The move does
not wait for the disk: a move that a crash takes back only sends its rows again, which
consumers skip, and the service's own commits do not queue behind a disk write that
would only spare that resend.
"""

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from prometheus_client import Counter, Gauge
from sqlalchemy import Connection, Engine, Update, bindparam, insert, select, update
from sqlmodel import col

from periplus import db, kafka
from periplus.kafka import BrokerError, Producer, ensure_topic, make_producer
from periplus.lease import Lease

log = logging.getLogger(__name__)

PUBLISHED = Counter("outbox_published_total", "Outbox rows acknowledged by the broker", ["topic"])
LEADING = Gauge(
    "outbox_relay_lease_held", "1 if this process holds the lease to publish the topic", ["topic"]
)

MARGIN = 1.0
"""Seconds of lease (at most a quarter of it) a batch leaves unused: a flush that needs
them is cut short instead."""

Message = Callable[[Mapping[Any, Any]], tuple[bytes, bytes] | None]
"""A row's Kafka key and value, or None for a row that must not be sent (withheld)."""


class OutboxRelay(threading.Thread):
    """Publishes rows to ``topic`` in the order of their position.

    ``columns`` are the table's position column, then those ``message`` reads
    to make a row's Kafka key and value. ``cursor_model`` is the service's table
    with ``topic`` and ``position`` (the last position published) columns.
    ``lease_seconds``: how long the relay's lease outlives its last renewal, the
    longest a standby waits for a holder that vanished. ``linger_seconds``: how long a
    relay woken by a commit waits for the next ones, as a Kafka producer lingers.
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
        lease_seconds: float = 15.0,
        linger_seconds: float = 0.05,
    ) -> None:
        super().__init__(name=f"outbox-{topic}", daemon=True)
        self.engine, self.topic, self.connection = engine, topic, connection
        self.columns = [col(c) for c in columns]
        self.cursor_model, self.message = cursor_model, message
        self.batch_size, self.idle_seconds = batch_size, idle_seconds
        self.linger_seconds = linger_seconds
        self._wake = threading.Event()
        self._halt = threading.Event()
        self._producer: Producer | None = None
        self.lease = Lease(engine, f"outbox:{topic}", lease_seconds)
        self._at: int | None = None  # the cursor, as this relay last read or moved it
        self._at_known = False  # only while the lease has been held since that read
        # Built once: a batch then costs no statement building.
        position, model = self.columns[0], cursor_model
        rows = select(*self.columns).order_by(position).limit(bindparam("limit"))
        self._rows, self._rows_after = rows, rows.where(position > bindparam("after"))
        held = self.lease.holding()
        self._held_rows, self._held_rows_after = rows.where(held), self._rows_after.where(held)
        self._read_cursor = select(model.position).where(model.topic == topic)
        self._update_cursor = update(model).where(model.topic == topic)
        self._own: Connection | None = None  # PostgreSQL: the relay's own, see ``_connection``
        self._move_held: Update | None = None
        if engine.dialect.name == "postgresql":
            moved = self._update_cursor.values(position=bindparam("position"))
            self._move_held = self.lease.confirming(moved)

    @property
    def leading(self) -> bool:
        """Whether this relay holds the outbox's lease, and so is the one that publishes."""
        return self.lease.held()

    def notify(self) -> None:
        """Tell the relay that rows were committed, so it need not wait for its timer."""
        self._wake.set()

    def stop(self) -> None:
        self._halt.set()
        self._wake.set()
        if self.ident is not None:  # not a relay whose batches were only sent by hand
            self.join(timeout=10)
        if self.is_alive():
            # A batch still in flight owns the producer, the connection and the lease: none is
            # touched from this thread (rdkafka's handles least of all); the lease lapses.
            log.warning("the outbox relay did not stop within 10 s", extra={"topic": self.topic})
        else:  # no batch in flight: a standby may take over at once
            self._reset_producer()
            self._close_own()
            try:
                self.lease.release()
            except Exception as exc:  # it lapses by itself
                log.warning("cannot release the outbox lease", extra={"error": repr(exc)})
        LEADING.labels(self.topic).set(0)

    def run(self) -> None:
        backoff = 0.1
        while not self._halt.is_set():
            try:
                if not self._lead():
                    self._halt.wait(min(self.lease.seconds / 5, 2.0))  # a standby tries again
                    continue
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
                LEADING.labels(self.topic).set(self.leading)
                self._halt.wait(1.0)
                continue
            if sent < self.batch_size:
                if self._wake.wait(self.idle_seconds):
                    # The rows committed just after the one that woke it go along; their
                    # wake-ups are spent with it, not on a batch of nothing after it.
                    self._halt.wait(self.linger_seconds)
                self._wake.clear()

    def published(self) -> int | None:
        """The last position the broker acknowledged, or None before the first."""
        with db.reading(self.engine) as connection:
            return self._cursor(connection)

    def _cursor(self, connection: Connection) -> int | None:
        position = connection.execute(self._read_cursor).scalar()
        return None if position is None else int(position)

    def _lead(self) -> bool:
        """Whether to publish: take the lease, or renew it once half of it has passed."""
        if self.lease.remaining() <= self.lease.seconds / 2:
            self._acquire()
        return self.leading

    def _acquire(self) -> None:
        # Another holder may have moved the cursor before this lease was taken (or
        # taken back after it lapsed): read it again at the next batch.
        self._at_known = False
        self.lease.acquire()
        LEADING.labels(self.topic).set(self.leading)

    @contextmanager
    def _connection(self) -> Iterator[Connection]:
        """On PostgreSQL, the relay's own connection, outside any transaction: each statement
        reads what is committed when it starts, and commits by itself, without waiting for
        the disk (see the module's docstring), and a batch is spared the round trips of
        BEGIN and COMMIT and two checkouts from the pool. On SQLite, a reading connection."""
        if self.engine.dialect.name != "postgresql":
            with db.reading(self.engine) as connection:
                yield connection
            return
        if self._own is None:
            own = self.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
            own.exec_driver_sql("SET synchronous_commit = off")
            self._own = own
        try:
            yield self._own
        except Exception:
            self._close_own()  # a connection that failed is not trusted again
            raise

    def _close_own(self) -> None:
        own, self._own = self._own, None
        if own is not None:
            try:
                own.invalidate()  # closed, never back in the pool with the relay's settings
                own.close()
            except Exception as exc:
                log.warning("cannot close the relay's connection", extra={"error": repr(exc)})

    def _pending(self, limit: int, *, as_holder: bool = False) -> list[Any] | None:
        """The rows after the cursor; with ``as_holder``, only while the lease is still this
        relay's, in the same statement, and None once it is not."""
        with self._connection() as connection:
            if as_holder and not self.lease.held():
                self._at_known = False
                return None
            if as_holder and self._at_known:
                last = self._at
            else:
                last = self._cursor(connection)
                self._at, self._at_known = last, as_holder
            if last is None:
                query, params = (self._held_rows if as_holder else self._rows), {"limit": limit}
            else:
                query = self._held_rows_after if as_holder else self._rows_after
                params = {"limit": limit, "after": last}
            rows = list(connection.execute(query, params).all())
            if as_holder and not rows and not self.lease.check(connection):
                self._at_known = False  # none, for want of the lease rather than of rows
                return None
            return rows

    def publish_pending(self) -> int:
        """Publish one batch of the rows after the cursor, if this relay holds the lease;
        return how many were sent."""
        if self.lease.remaining() <= self.lease.seconds / 2:
            # Renewed (a write, which on SQLite queues behind the service's own writes) only
            # once half of it has passed, and only when there is something to send.
            if not self._pending(1):
                return 0
            if self._producer is None:
                self._connect()  # before the lease's time starts to run
            self._acquire()
        # Re-checked before each batch: a relay whose lease was taken sends nothing more.
        rows = self._pending(self.batch_size, as_holder=True)  # as the holder: cursor current
        LEADING.labels(self.topic).set(self.leading)
        if not rows:
            return 0
        producer = self._producer or self._connect()
        for row in rows:
            message = self.message(row._mapping)
            if message is None:
                continue
            key, value = message
            producer.send(self.topic, value, key)
        budget = self.lease.remaining() - min(MARGIN, self.lease.seconds / 4)
        if budget <= 0:
            raise BrokerError("the batch was not sent within the relay's lease")
        producer.flush(timeout=min(10.0, budget))
        end = rows[-1][0]
        if not self._moved(end):
            self._at_known = False
            LEADING.labels(self.topic).set(0)
            return 0  # another relay holds the lease now, and moves the cursor itself
        self._at = end  # committed: what the next batch starts after
        PUBLISHED.labels(self.topic).inc(len(rows))
        return len(rows)

    def _moved(self, end: int) -> bool:
        """Move the cursor to ``end`` and renew the lease, if it is still this relay's;
        whether it was."""
        if self._move_held is not None:
            with self._connection() as connection:
                if connection.execute(self._move_held, {"position": end}).rowcount == 1:
                    return True
            # The lease is lost, or the topic has no cursor yet: in a transaction, as below.
        with self._unsynced() as connection:
            if not self.lease.confirm(connection):
                return False
            self._move_cursor(connection, end)
        return True

    @contextmanager
    def _unsynced(self) -> Iterator[Connection]:
        """A transaction whose commit returns before its log reaches the disk (the
        cursor's: a lost move is a resend, not a loss)."""
        with self.engine.connect() as connection:
            if connection.dialect.name != "sqlite":
                with connection.begin():
                    connection.exec_driver_sql("SET LOCAL synchronous_commit = off")
                    yield connection
                return
            # SQLite sets it per connection, and not inside a transaction: for this one
            # alone, then back as it was before the connection returns to the pool.
            raw = connection.connection.driver_connection
            assert raw is not None
            level = raw.execute("PRAGMA synchronous").fetchone()[0]
            raw.execute("PRAGMA synchronous = NORMAL")
            try:
                with connection.begin():
                    yield connection
            finally:
                raw.execute(f"PRAGMA synchronous = {int(level)}")

    def _move_cursor(self, connection: Connection, end: int) -> None:
        moved = connection.execute(self._update_cursor, {"position": end})
        if moved.rowcount == 0:  # the first batch ever sent to this topic
            model = self.cursor_model
            connection.execute(insert(model).values(topic=self.topic, position=end))

    def _connect(self) -> Producer:
        # One partition, made before the first message: a broker would otherwise
        # make the topic with its default count, and the order would be lost.
        ensure_topic(self.connection, self.topic)
        # The relay flushes each batch itself: lingering costs no delay.
        self._producer = make_producer(self.connection, linger_ms=1_000)
        return self._producer

    def _reset_producer(self) -> None:
        # Nothing unacknowledged may leave later, perhaps after the lease is another's:
        # the next batch sends it again from the cursor.
        if self._producer is not None:
            self._producer.close(timeout=0)
            self._producer = None
