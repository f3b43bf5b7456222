"""Queueing notices for the webhooks, from the notice log, behind a cursor.

Ingestion writes the notice log; it does not also write a delivery for every
matching subscription of every entry, 4 or more rows an entry on a busy
notifier. The delivery worker does, a slice of notices at a time, each slice
in one transaction with the cursor (``webhook_fanout``) that says how far the
log was queued: a crash repeats no notice and skips none, and of two
notifiers on one database the second waits for the first's cursor.

A notifier catching up with the ledger comes first: while the read model
lags the newest checkpoint, notices wait, unless the oldest has waited
``PATIENCE`` already (a ledger that stays out of reach must not hold
webhooks back for ever). A subscription is sent the notices made after it
was created.
"""

from collections.abc import Collection, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, not_, select, update
from sqlmodel import Session, col

from notifier.channels.models import PENDING, FanOutCursor, Notice
from notifier.channels.repository import Position, after_position
from notifier.channels.webhooks import index as subscription_index
from notifier.channels.webhooks import repository
from notifier.channels.webhooks.service import message_ids
from notifier.ingest import tree

SLICE = 2000  # notices queued in one transaction
NOTICE_COLUMNS = (
    col(Notice.ledger_index),
    col(Notice.sub),
    col(Notice.type),
    col(Notice.trip_id),
    col(Notice.departments),
    col(Notice.sdg_goals),
    col(Notice.created_at),
)
PATIENCE = timedelta(seconds=30)  # the longest a notice waits for a catch-up to end


def due(connection: Connection, now: datetime | None = None) -> bool:
    """Whether a notice waits to be queued now: there is one after the cursor, and the
    read model has caught up with the ledger or the oldest waiting has waited long enough.
    Only the first waiting is read, through the primary key: the worker asks at every turn."""
    oldest = connection.execute(
        select(col(Notice.created_at))
        .where(after_position(_cursor(connection)))
        .order_by(col(Notice.ledger_index), col(Notice.sub))
        .limit(1)
    ).scalar()
    if oldest is None:
        return False
    return tree.caught_up(connection) or oldest <= (now or datetime.now(UTC)) - PATIENCE


def waiting(connection: Connection) -> dict[str, object]:
    """How many notices wait to be queued, and since when: ``/readyz``, and the gauges that
    ``/metrics`` reads from it afresh."""
    count, oldest = connection.execute(
        select(func.count(), func.min(col(Notice.created_at))).where(
            after_position(_cursor(connection))
        )
    ).one()
    return {"waiting": int(count), "oldest": None if oldest is None else oldest.isoformat()}


def step(session: Session, limit: int = SLICE) -> int:
    """Queue up to ``limit`` notices after the cursor for every active subscription whose
    filters they match, and move the cursor past them; returns how many notices were
    queued (0: none waits). The caller commits."""
    at = _cursor(session.connection(), lock=True)
    rows = session.execute(
        select(*NOTICE_COLUMNS)
        .where(after_position(at))
        .order_by(col(Notice.ledger_index), col(Notice.sub))
        .limit(limit)
    ).all()
    if not rows:
        return 0
    fan_out(session, [row._mapping for row in rows])
    last = rows[-1]
    session.execute(
        update(FanOutCursor)
        .where(col(FanOutCursor.id) == 1)
        .values(ledger_index=last.ledger_index, sub=last.sub)
    )
    return len(rows)


def queue_behind(session: Session, indexes: Collection[int]) -> int:
    """Queue now the notices of these entries that lie behind the cursor, which ``step``
    never goes back to: entries recorded behind the newest, shown again past a gap
    (``notifier.ingest.gaps``). Those after it wait for ``step``. The caller commits."""
    at = _cursor(session.connection(), lock=True)
    rows = session.execute(
        select(*NOTICE_COLUMNS)
        .where(col(Notice.ledger_index).in_(list(indexes)), not_(after_position(at)))
        .order_by(col(Notice.ledger_index), col(Notice.sub))
    ).all()
    return fan_out(session, [row._mapping for row in rows])


def fan_out(session: Session, notices: Sequence[Mapping[Any, Any]]) -> int:
    """Queue each notice (``channel_notice`` columns) for every active subscription made
    before it whose filters it matches, found through the index; one statement for them
    all. Returns how many deliveries were queued.

    Each notice's deliveries are a microsecond younger than the one's before it: the
    worker sends a receiver's deliveries oldest first, and holds newer ones behind
    one that fails, by that time.
    """
    if not notices:
        return 0
    index = subscription_index.current(session)
    start = datetime.now(UTC)
    matches = [
        index.matching(n["type"], n["trip_id"], n["departments"], n["sdg_goals"], n["created_at"])
        for n in notices
    ]
    ids = iter(message_ids(sum(len(matched) for matched in matches)))
    rows: list[tuple[Any, ...]] = []
    for n, (notice, matched) in enumerate(zip(notices, matches, strict=True)):
        moment = start + timedelta(microseconds=n)
        type_, ledger_index, sub = notice["type"], notice["ledger_index"], notice["sub"]
        # Due now; ``retry_until`` is set by the worker's window on the first failure.
        rows.extend(
            (next(ids), sub_id, type_, ledger_index, sub, None, PENDING, 0, moment, moment, moment)
            for sub_id in matched
        )
    repository.add_deliveries(session, rows)
    return len(rows)


class NoCursorError(RuntimeError):
    """The cursor's row is gone: queueing from the start would send every notice again."""


def _cursor(connection: Connection, lock: bool = False) -> Position:
    query = select(col(FanOutCursor.ledger_index), col(FanOutCursor.sub)).where(
        col(FanOutCursor.id) == 1
    )
    row = connection.execute(query.with_for_update() if lock else query).first()
    if row is None:
        raise NoCursorError("webhook_fanout has no row: the notifier's migrations make it")
    return int(row[0]), int(row[1])
