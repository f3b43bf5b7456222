"""A named lease in a service's own database: one holder at a time, taken over when it lapses.

A row per lease names its holder and when the lease lapses, by the database's
clock, so that processes on several hosts agree on it. Taking and renewing are
one conditional statement each: an UPDATE of a row that is the caller's or has
lapsed, else an INSERT of a row that does not exist yet (``ON CONFLICT DO
NOTHING``). Both databases serialise them (SQLite's write lock; PostgreSQL's
row lock, whose waiter re-checks the condition), so two contenders never both
succeed.

The holder counts its lease from before each renewal was sent, on its own
monotonic clock, so its view runs out no later than the database's, and it
acts only while that view lasts: a holder cut off from the database stops
before a standby can take over. The ledger's writer lock (``ledger.log.writer_lock``)
makes the same promise with a session lock instead of a row.
"""

import logging
import os
import socket
import time
import uuid

from sqlalchemy import (
    Column,
    ColumnElement,
    Connection,
    Engine,
    Float,
    MetaData,
    String,
    Table,
    Update,
    and_,
    bindparam,
    exists,
    literal_column,
    select,
    text,
    update,
)

log = logging.getLogger(__name__)

LEASES = Table(
    "lease",
    MetaData(),
    Column("name", String(128), primary_key=True),
    Column("holder", String(128), nullable=False),
    Column("expires_at", Float, nullable=False),  # seconds since the epoch, the database's clock
)
"""The table each service's migrations make; its definition lives here, beside its use."""

_NOW = {
    "postgresql": "extract(epoch from clock_timestamp())",
    "sqlite": "((julianday('now') - 2440587.5) * 86400.0)",
}


def holder_id() -> str:
    """Who holds a lease, readable by an operator: host, process and a random part."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class Lease:
    """The lease ``name`` for ``seconds`` after each renewal, held as ``holder``."""

    def __init__(
        self, engine: Engine, name: str, seconds: float = 15.0, holder: str | None = None
    ) -> None:
        self.engine, self.name, self.seconds = engine, name, seconds
        self.holder = holder or holder_id()
        self._until = 0.0  # monotonic: when this process stops counting itself the holder
        now = _NOW[engine.url.get_backend_name()]
        self._renew = text(
            f"UPDATE lease SET holder = :holder, expires_at = {now} + :seconds"
            f" WHERE name = :name AND (holder = :holder OR expires_at < {now})"
        )
        self._take = text(
            "INSERT INTO lease (name, holder, expires_at)"
            f" VALUES (:name, :holder, {now} + :seconds) ON CONFLICT (name) DO NOTHING"
        )
        # Whether this process holds the lease, and its renewal, as parts of statements: asked
        # alone (``check``, ``confirm``) or within another's (``holding``, ``confirming``).
        mine = and_(LEASES.c.name == self.name, LEASES.c.holder == self.holder)
        self._mine = exists().where(mine, LEASES.c.expires_at > literal_column(now))
        self._check = select(self._mine)
        self._renewal = (
            update(LEASES)
            .where(mine)
            .values(expires_at=literal_column(now) + bindparam("lease_seconds", self.seconds))
            .returning(LEASES.c.name)
        )

    def held(self) -> bool:
        """Whether this process may act as the holder now (no database round trip)."""
        return self.remaining() > 0

    def remaining(self) -> float:
        """Seconds left of this process's view of its lease; 0 when it holds none."""
        return max(0.0, self._until - time.monotonic())

    def acquire(self) -> bool:
        """Take the lease, or renew it if held; whether this process holds it now."""
        was = self.held()
        started = time.monotonic()
        values = {"name": self.name, "holder": self.holder, "seconds": self.seconds}
        with self.engine.begin() as connection:
            got = connection.execute(self._renew, values).rowcount == 1
            if not got:
                got = connection.execute(self._take, values).rowcount == 1
        self._until = started + self.seconds if got else 0.0
        if got and not was:
            log.info("took the lease", extra={"lease": self.name, "holder": self.holder})
        elif was and not got:
            log.warning("lost the lease", extra={"lease": self.name, "holder": self.holder})
        return got

    def confirm(self, connection: Connection) -> bool:
        """Whether this process still holds the lease, asked (and the lease renewed)
        inside the caller's transaction, so that what it writes there is committed
        only by the holder."""
        if connection.execute(self._renewal).first() is not None:
            return True  # this process's view stays as it was: the commit may yet fail
        if self.held():
            log.warning("lost the lease", extra={"lease": self.name, "holder": self.holder})
        self._until = 0.0
        return False

    def check(self, connection: Connection) -> bool:
        """Whether this process still holds the lease, by a read alone (no write lock on
        SQLite); the lease is not renewed. A lease found another's is given up here."""
        if not self.held():
            return False
        if connection.execute(self._check).scalar():
            return True
        log.warning("lost the lease", extra={"lease": self.name, "holder": self.holder})
        self._until = 0.0
        return False

    def holding(self) -> ColumnElement[bool]:
        """A condition, for a statement's WHERE, that this process holds the lease when the
        statement runs (``check`` within the statement itself: a read, no renewal)."""
        return self._mine

    def confirming(self, statement: Update) -> Update:
        """``statement`` made to change rows only if this process still holds the lease,
        which it renews (``confirm`` within the statement itself). PostgreSQL only: SQLite
        has no data-modifying WITH."""
        renewal = self._renewal.cte("renewal")
        return statement.where(exists(select(renewal.c.name))).add_cte(renewal)

    def release(self) -> None:
        """Give the lease up at once, so that a standby need not wait for it to lapse."""
        self._until = 0.0
        with self.engine.begin() as connection:
            connection.execute(
                text("DELETE FROM lease WHERE name = :name AND holder = :holder"),
                {"name": self.name, "holder": self.holder},
            )

    def current_holder(self) -> str | None:
        """Who holds the lease by the database, lapsed or not; None if nobody took it."""
        with self.engine.connect() as connection:
            found = connection.execute(
                text("SELECT holder FROM lease WHERE name = :name"), {"name": self.name}
            ).scalar()
        return None if found is None else str(found)
