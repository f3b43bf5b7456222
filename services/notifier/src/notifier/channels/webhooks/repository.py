"""The webhooks' SQL: subscriptions and the stamp that dates them, the deliveries a claim
may take, and what an attempt's outcome changes (the attempt log, a delivery's state, a
receiver's waiting entries)."""

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Row, and_, bindparam, case, delete, func, insert, or_, update
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select
from sqlmodel.sql.sqltypes import UTCDateTime

from notifier.channels.models import (
    DEAD,
    DELIVERED,
    OPEN,
    PENDING,
    SENDING,
    Delivery,
    DeliveryAttempt,
    Subscription,
    SubscriptionStamp,
)
from notifier.channels.webhooks.retries import UNAVAILABLE
from notifier.ingest.rows import insert_values

PRUNE_CHUNK = 500  # deliveries forgotten per statement


# Subscriptions -------------------------------------------------------------------


def changed(session: Session) -> None:
    """Renew the stamp of the subscriptions, in the transaction that changes them, so that
    every process's fan-out reads them again; the caller commits."""
    session.execute(
        update(SubscriptionStamp)
        .where(col(SubscriptionStamp.id) == 1)
        .values(stamp=uuid.uuid4().hex)
    )


def stamp(session: Session) -> str | None:
    return session.execute(sa_select(col(SubscriptionStamp.stamp))).scalar()


def active_filters(
    session: Session,
) -> Sequence[Row[str, list[str], list[str], list[int], list[str], datetime]]:
    """Each active subscription's id, filters (trips, departments, goals, types) and
    creation."""
    return session.execute(
        sa_select(
            col(Subscription.id),
            col(Subscription.trip_ids),
            col(Subscription.departments),
            col(Subscription.sdg_goals),
            col(Subscription.types),
            col(Subscription.created_at),
        ).where(col(Subscription.status) == "active")
    ).all()


def count_owned(session: Session, token_hash: str) -> int:
    return len(session.exec(select(Subscription.id).where(_owner(token_hash))).all())


def owned(session: Session, token_hash: str) -> Sequence[Subscription]:
    """The subscriptions a token manages, oldest first."""
    return session.exec(
        select(Subscription).where(_owner(token_hash)).order_by(col(Subscription.created_at))
    ).all()


def _owner(token_hash: str) -> ColumnElement[bool]:
    return col(Subscription.token_hash) == token_hash


def remove(session: Session, sub: Subscription) -> None:
    """The subscription, its deliveries and their attempts."""
    ids = select(Delivery.id).where(col(Delivery.subscription_id) == sub.id)
    session.exec(delete(DeliveryAttempt).where(col(DeliveryAttempt.delivery_id).in_(ids)))
    session.exec(delete(Delivery).where(col(Delivery.subscription_id) == sub.id))
    session.delete(sub)


# Deliveries as their subscriber reads them -------------------------------------------


DELIVERY_COLUMNS = (
    "id",
    "subscription_id",
    "type",
    "ledger_index",
    "sub",
    "body",
    "status",
    "attempts",
    "next_attempt_at",
    "retry_until",
    "created_at",
)


def add_deliveries(session: Session, rows: Sequence[tuple[Any, ...]]) -> None:
    """New deliveries, each the values of ``DELIVERY_COLUMNS``: a fan-out makes several
    an entry, so a tuple each rather than a dict."""
    insert_values(session, Delivery, DELIVERY_COLUMNS, rows)


def delivery(session: Session, delivery_id: str) -> Delivery | None:
    return session.get(Delivery, delivery_id)


def deliveries_of(
    session: Session,
    subscription_id: str,
    statuses: Sequence[str] | None,
    before: Delivery | None,
    limit: int,
) -> Sequence[Delivery]:
    """A subscription's deliveries in these statuses (any if None), newest first, after
    ``before`` in that order."""
    query = select(Delivery).where(col(Delivery.subscription_id) == subscription_id)
    if statuses:
        query = query.where(col(Delivery.status).in_(statuses))
    if before is not None:
        query = query.where(
            (col(Delivery.created_at) < before.created_at)
            | ((col(Delivery.created_at) == before.created_at) & (col(Delivery.id) < before.id))
        )
    return session.exec(
        query.order_by(col(Delivery.created_at).desc(), col(Delivery.id).desc()).limit(limit)
    ).all()


def attempts(session: Session, delivery_id: str) -> Sequence[DeliveryAttempt]:
    return session.exec(
        select(DeliveryAttempt)
        .where(col(DeliveryAttempt.delivery_id) == delivery_id)
        .order_by(col(DeliveryAttempt.number))
    ).all()


def prune(session: Session, before: datetime) -> int:
    """Forget delivered and dead deliveries created before ``before``; return how many."""
    old = (
        select(Delivery.id)
        .where(col(Delivery.status).in_([DELIVERED, DEAD]))
        .where(col(Delivery.created_at) < before)
    )
    ids = list(session.exec(old).all())
    for start in range(0, len(ids), PRUNE_CHUNK):
        chunk = ids[start : start + PRUNE_CHUNK]
        session.exec(delete(DeliveryAttempt).where(col(DeliveryAttempt.delivery_id).in_(chunk)))
        session.exec(delete(Delivery).where(col(Delivery.id).in_(chunk)))
    return len(ids)


def unsent(
    session: Session, indices: Sequence[int]
) -> Sequence[Row[str, int, int, list[str], list[str], list[int], list[str]]]:
    """Deliveries of notices after these ledger entries that no attempt is sending now
    (waiting or dead), each with its position and its subscription's filters: trips,
    departments, goals, types. Read by status first, which the due index leads with."""
    return session.execute(
        sa_select(
            col(Delivery.id),
            col(Delivery.ledger_index),
            col(Delivery.sub),
            col(Subscription.trip_ids),
            col(Subscription.departments),
            col(Subscription.sdg_goals),
            col(Subscription.types),
        )
        .join(Subscription, col(Subscription.id) == col(Delivery.subscription_id))
        .where(col(Delivery.status).in_([PENDING, DEAD]))
        .where(col(Delivery.ledger_index).in_(sorted(set(indices))))
    ).all()


def forget(session: Session, ids: Sequence[str]) -> None:
    """Deliveries never to be sent, and their attempt logs."""
    for start in range(0, len(ids), PRUNE_CHUNK):
        chunk = ids[start : start + PRUNE_CHUNK]
        session.exec(delete(DeliveryAttempt).where(col(DeliveryAttempt.delivery_id).in_(chunk)))
        session.exec(delete(Delivery).where(col(Delivery.id).in_(chunk)))


# The delivery worker ---------------------------------------------------------------


def _candidates() -> tuple[Any, Any, Any]:
    """The claim's queries, built once, taking ``moment``, ``cap`` and ``limit``: the due
    deliveries a claim may take, oldest first (each receiver's attempts in flight beside
    them), the receivers of those, and the first restricted to ``receiving``."""
    moment = bindparam("moment", type_=UTCDateTime())  # the type of the columns it meets
    receivers = (
        select(
            col(Delivery.subscription_id).label("subscription_id"),
            func.sum(case((col(Delivery.status) == SENDING, 1), else_=0)).label("flying"),
            func.min(case((_holds_back(), col(Delivery.created_at)))).label("since"),
        )
        .where(col(Delivery.status).in_(OPEN))
        .where(col(Delivery.next_attempt_at) > moment)  # in flight, or waiting for a retry
        .group_by(col(Delivery.subscription_id))
        .subquery()
    )
    flying = func.coalesce(receivers.c.flying, 0)

    def candidates(*columns: Any) -> Any:
        return (
            select(*columns)
            .join(Subscription, col(Subscription.id) == col(Delivery.subscription_id))
            .outerjoin(receivers, receivers.c.subscription_id == col(Delivery.subscription_id))
            .where(col(Subscription.status) == "active")
            .where(col(Delivery.status).in_(OPEN))
            .where(col(Delivery.next_attempt_at) <= moment)
            .where(flying < bindparam("cap"))
            .where(
                or_(
                    receivers.c.since.is_(None),
                    col(Delivery.ledger_index).is_(None),
                    col(Delivery.created_at) < receivers.c.since,
                )
            )
            .order_by(col(Delivery.created_at), col(Delivery.id))
            .limit(bindparam("limit"))
        )

    deliveries = candidates(
        col(Delivery.id),
        col(Delivery.ledger_index),
        col(Delivery.sub),
        col(Delivery.body),
        col(Delivery.attempts),
        col(Delivery.last_status),
        col(Delivery.last_error),
        col(Subscription.id).label("subscription_id"),
        col(Subscription.url),
        col(Subscription.secret),
        col(Subscription.previous_secret),
        col(Subscription.previous_secret_until),
        flying.label("flying"),
    ).with_for_update(skip_locked=True, of=Delivery)
    of = col(Delivery.subscription_id).in_(bindparam("receiving", expanding=True))
    return deliveries, candidates(col(Delivery.subscription_id)), deliveries.where(of)


def due(session: Session, moment: datetime, cap: int, limit: int) -> Sequence[Row[Any]]:
    """Due deliveries, oldest first, locked for this claim, with their receiver's keys and
    the attempts it has in flight."""
    params: dict[str, Any] = {"moment": moment, "cap": cap, "limit": limit}
    query = CANDIDATES
    if session.get_bind().dialect.name == "postgresql":
        # One claimer at a time per receiver, in every process: what is counted in
        # flight is then all there is, as each statement reads afresh. (SQLite lets
        # one writer in at a time anyway.)
        wanted = set(session.exec(CANDIDATE_RECEIVERS, params=params).all())
        receiving = session.exec(
            select(Subscription.id)
            .where(col(Subscription.id).in_(wanted))
            .with_for_update(skip_locked=True, key_share=True)
        ).all()
        query, params = CANDIDATES_OF, {**params, "receiving": list(receiving)}
    return session.execute(query, params).all()


def anything_due(session: Session, moment: datetime, cap: int) -> bool:
    """Whether a claim would find a delivery to take: the claim's own conditions, read
    without locking anything, so that a claim finding nothing need not queue as a writer."""
    params: dict[str, Any] = {"moment": moment, "cap": cap, "limit": 1}
    return session.exec(CANDIDATE_RECEIVERS, params=params).first() is not None


def mark_sending(session: Session, ids: list[str], until: datetime) -> None:
    """Claimed: one more attempt, which nothing else claims again before ``until``."""
    session.connection().execute(
        update(Delivery)
        .where(col(Delivery.id).in_(ids))
        .values(status=SENDING, attempts=col(Delivery.attempts) + 1, next_attempt_at=until)
    )


def mark_lost(session: Session, ids: list[str]) -> None:
    session.connection().execute(
        update(Delivery)
        .where(col(Delivery.id).in_(ids))
        .values(status=DEAD, last_error="its notice is gone")
    )


def lock_states(session: Session, ids: list[str]) -> dict[str, tuple[str, str, int]]:
    """Each delivery's subscription, status and attempt number, locked until the commit."""
    return {
        row[0]: row[1:]
        for row in session.exec(
            select(Delivery.id, Delivery.subscription_id, Delivery.status, Delivery.attempts)
            .where(col(Delivery.id).in_(ids))
            .with_for_update()
        ).all()
    }


def log_attempts(session: Session, rows: list[dict[str, Any]]) -> None:
    session.connection().execute(insert(DeliveryAttempt), rows)


def mark_delivered(session: Session, ids: list[str], status_code: int | None, at: datetime) -> None:
    session.connection().execute(
        update(Delivery)
        .where(col(Delivery.id).in_(ids))
        .values(status=DELIVERED, delivered_at=at, last_status=status_code, last_error=None)
    )


def deliveries(session: Session, ids: Sequence[str]) -> Sequence[Delivery]:
    return session.exec(select(Delivery).where(col(Delivery.id).in_(ids))).all()


def _holds_back() -> ColumnElement[bool]:
    """``retries.held_back`` in SQL."""
    return and_(col(Delivery.ledger_index).is_not(None), _unavailable())


def _unavailable() -> ColumnElement[bool]:
    status = col(Delivery.last_status)
    return and_(
        col(Delivery.last_error).is_not(None),
        or_(status.is_(None), status >= 500, status.in_(UNAVAILABLE)),
    )


def release(session: Session, subscription_ids: set[str], moment: datetime) -> None:
    """The receiver answers again: what waits for a retry because it was down is due now,
    as if never tried (each attempt's error stays in the log), so it goes in order, several
    at once, rather than one probe at a time."""
    session.connection().execute(
        update(Delivery)
        .where(col(Delivery.subscription_id).in_(subscription_ids))
        .where(col(Delivery.status) == PENDING)
        .where(col(Delivery.next_attempt_at) > moment)
        .where(_unavailable())
        .values(next_attempt_at=moment, last_status=None, last_error=None)
    )


def expire(session: Session, subscription_ids: set[str], made_before: datetime) -> None:
    """Entries that waited behind a dead one for the whole retry window die with it,
    rather than each being tried once more against a receiver that stayed down."""
    session.connection().execute(
        update(Delivery)
        .where(col(Delivery.subscription_id).in_(subscription_ids))
        .where(col(Delivery.status) == PENDING)
        .where(col(Delivery.attempts) == 0)
        .where(col(Delivery.created_at) <= made_before)
        .values(
            status=DEAD,
            last_error="never sent: the receiver was unavailable for the whole retry window",
        )
    )


def disable(session: Session, subscription_ids: set[str]) -> None:
    """A receiver that answers 410 Gone asks to hear no more (Standard Webhooks)."""
    session.connection().execute(
        update(Subscription)
        .where(col(Subscription.id).in_(subscription_ids))
        .values(status="disabled")
    )
    changed(session)
    session.connection().execute(
        update(Delivery)
        .where(col(Delivery.subscription_id).in_(subscription_ids))
        .where(col(Delivery.status).in_(OPEN))
        .values(
            status=DEAD,
            last_error="the receiver answered 410 Gone; subscription disabled",
        )
    )


CANDIDATES, CANDIDATE_RECEIVERS, CANDIDATES_OF = _candidates()
