"""One writer per log: whoever holds the lock appends, signs and announces.

On PostgreSQL the lock is a session advisory lock held by one dedicated
connection; on SQLite it is an exclusive ``flock`` on a file beside the
database. A second process on the same database serves reads, tries the lock
every few seconds, and takes over the writing when the writer goes (its
connection or its process ends, and the lock with it).
"""

import contextlib
import fcntl
import logging
import os
import threading
from collections.abc import Callable, Sequence
from typing import Protocol

from prometheus_client import Gauge
from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

IS_WRITER = Gauge("ledger_is_writer", "1 if this process holds the log's writer lock")

LOCK_KEY = 0x7065_7269_706C  # "peripl": the advisory lock's key, the same in every process


class Worker(Protocol):
    def start(self) -> None: ...
    def stop(self) -> None: ...


class WriterLock:
    """Try, hold, check and release the log's single-writer lock."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._connection: Connection | None = None
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._connection is not None or self._fd is not None

    def try_acquire(self) -> bool:
        if self.held:
            return True
        url = self.engine.url
        if url.get_backend_name() == "postgresql":
            connection = self.engine.connect()
            got = bool(
                connection.execute(
                    text("SELECT pg_try_advisory_lock(:k)"), {"k": LOCK_KEY}
                ).scalar()
            )
            connection.commit()
            if got:
                self._connection = connection
            else:
                connection.close()
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
        """False if the lock was lost (the database connection broke)."""
        if self._connection is None:
            return self.held
        try:
            self._connection.execute(text("SELECT 1"))
            self._connection.commit()
        except Exception:
            log.warning("lost the writer lock's connection")
            self.release()
            return False
        return True

    def release(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(Exception):
                self._connection.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": LOCK_KEY})
                self._connection.commit()
            with contextlib.suppress(Exception):
                self._connection.close()
            self._connection = None
        if self._fd is not None:
            if self._fd >= 0:
                fcntl.flock(self._fd, fcntl.LOCK_UN)
                os.close(self._fd)
            self._fd = None


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
            if not self.is_writer and self.lock.try_acquire():
                self._become_writer()
            elif self.is_writer and not self.lock.still_held():
                self._step_down()
            self._halt.wait(self.retry_seconds)
        self._step_down()

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
