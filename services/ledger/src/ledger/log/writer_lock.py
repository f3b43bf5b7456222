"""One writer per log: whoever holds the lock appends, signs and announces.

On PostgreSQL the lock is a session advisory lock held by one dedicated
connection; on SQLite it is an exclusive ``flock`` on a file beside the
database. A second process on the same database serves reads, tries the lock
every few seconds, and takes over the writing when the writer goes (its
connection or its process ends, and the lock with it).

On PostgreSQL the lock is a lease as well. The writer renews it with each
check; a session silent for the lease's length (a writer partitioned from the
database, or stalled, whose kernel may still answer keepalives) is ended by
the server (``idle_session_timeout``), so another process takes over. The
writer counts the lease from before each renewal was sent, so its own view
runs out no later than the server's, and it signs nothing once it has.
"""

import contextlib
import fcntl
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Protocol

from prometheus_client import Gauge
from sqlalchemy import Connection, Engine, text

from periplus.isolation import RetryLaterError

log = logging.getLogger(__name__)

IS_WRITER = Gauge("ledger_is_writer", "1 if this process holds the log's writer lock")

LOCK_KEY = 0x7065_7269_706C  # "peripl": the advisory lock's key, the same in every process


class WriterLostError(RetryLaterError):
    """This process is no longer the log's writer: what it was writing must not commit."""


class Worker(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


class WriterLock:
    """Try, hold, check and release the log's single-writer lock.

    ``lease``: seconds the PostgreSQL lock outlives the writer's last renewal;
    None (the commands, which hold it briefly) keeps it for the session's life.
    """

    def __init__(self, engine: Engine, lease: float | None = None) -> None:
        self.engine, self.lease = engine, lease
        self._connection: Connection | None = None
        self._fd: int | None = None
        self._pid: int | None = None  # the lock's PostgreSQL session
        self._expires = math.inf

    @property
    def held(self) -> bool:
        return self._connection is not None or self._fd is not None

    def lease_valid(self) -> bool:
        """Whether this process may still act as the writer: it holds the lock and, on
        PostgreSQL, renewed it within the lease."""
        return self.held and time.monotonic() < self._expires

    def try_acquire(self) -> bool:
        if self.held:
            return True
        url = self.engine.url
        if url.get_backend_name() == "postgresql":
            started = time.monotonic()
            connection = self.engine.connect()
            try:
                if self.lease is not None:
                    connection.execute(
                        text("SELECT set_config('idle_session_timeout', :ms, false)"),
                        {"ms": str(round(self.lease * 1000))},
                    )
                locked, pid = connection.execute(
                    text("SELECT pg_try_advisory_lock(:k), pg_backend_pid()"), {"k": LOCK_KEY}
                ).one()
                connection.commit()
            except Exception:
                _discard(connection)
                raise
            got = bool(locked)
            if got:
                self._connection, self._pid = connection, int(pid)
                self._renewed(started)
            else:
                _discard(connection)
            return got
        path = f"{url.database}.writer" if url.database and url.database != ":memory:" else None
        if path is None:
            self._fd = -1
            return True
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            return False
        self._fd = fd
        return True

    def still_held(self) -> bool:
        """False if the lock was lost (the database connection broke, or the server ended
        the session when the lease ran out); True renews the lease."""
        if self._connection is None:
            return self.held
        started = time.monotonic()
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except Exception:
            log.warning("lost the writer lock's connection")
            self.release()
            return False
        self._renewed(started)
        return True

    def check(self, connection: Connection) -> None:
        """Raise WriterLostError unless this process may still write: its lease is valid and,
        on PostgreSQL, the lock's session still holds the lock, as seen from ``connection``,
        the transaction about to commit. A writer whose session was ended, or that stalled
        past its lease, thus commits nothing, even before its next renewal finds it out."""
        pid = self._pid
        if not self.lease_valid():
            raise WriterLostError(
                "this process is no longer the log's writer (its lease ran out or it let "
                "the lock go): what it was writing is rolled back"
            )
        if pid is None:
            return
        holds = connection.execute(
            text(
                "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
                " AND pid = :pid AND ((classid::bigint << 32) | objid::bigint) = :k"
                " AND database = (SELECT oid FROM pg_database"
                " WHERE datname = current_database()))"
            ),
            {"pid": pid, "k": LOCK_KEY},
        ).scalar()
        if not holds:
            raise WriterLostError(
                "this process is no longer the log's writer (the lock's database session "
                "ended): what it was writing is rolled back"
            )

    def _renewed(self, started: float) -> None:
        self._expires = math.inf if self.lease is None else started + self.lease

    def release(self) -> None:
        self._expires = math.inf
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                self._connection.commit()
            _discard(self._connection)
            self._connection, self._pid = None, None
        if self._fd is not None:
            if self._fd >= 0:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None


def _discard(connection: Connection) -> None:
    """Close the lock's connection for good: its session carries the lease's timeout and
    must not go back to the pool."""
    with contextlib.suppress(Exception):
        connection.invalidate()
    with contextlib.suppress(Exception):
        connection.close()


class Writer(threading.Thread):
    """Runs the writing workers only while this process holds the lock."""

    def __init__(
        self,
        lock: WriterLock,
        workers: Callable[[], Sequence[Worker]],
        retry_seconds: float = 2.0,
        on_acquire: Callable[[], None] | None = None,
    ) -> None:
        super().__init__(name="ledger-writer", daemon=True)
        self.lock, self.make_workers, self.retry_seconds = lock, workers, retry_seconds
        self.on_acquire = on_acquire
        self._halt = threading.Event()
        self._running: list[Worker] = []
        self.is_writer = False

    def try_now(self) -> bool:
        """One attempt at the lock, before the thread starts: a lone ledger writes at once."""
        if not self.is_writer and self.lock.try_acquire():
            self._become_writer()
        return self.is_writer

    def run(self) -> None:
        self._halt.wait(self.retry_seconds)
        while not self._halt.is_set():
            if not self.is_writer and self._try_acquire():
                self._become_writer()
            elif self.is_writer and not self.lock.still_held():
                self._step_down()
            self._halt.wait(self.retry_seconds)
        self._step_down()

    def _try_acquire(self) -> bool:
        try:
            return self.lock.try_acquire()
        except Exception as exc:  # the database is down: a reader keeps reading, and trying
            log.warning("cannot try the writer lock", extra={"error": repr(exc)})
            return False

    def _become_writer(self) -> None:
        log.info("this process is now the log's writer")
        try:
            if self.on_acquire is not None:
                self.on_acquire()
        except Exception:
            log.exception("writer start-up failed; releasing the lock")
            self.lock.release()
            return
        self._running = list(self.make_workers())
        for worker in self._running:
            worker.start()
        self.is_writer = True
        IS_WRITER.set(1)

    def _step_down(self) -> None:
        for worker in reversed(self._running):
            worker.stop()
        self._running = []
        self.lock.release()
        if self.is_writer:
            log.info("this process is no longer the log's writer")
        self.is_writer = False
        IS_WRITER.set(0)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=30)
