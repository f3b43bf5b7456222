"""Subscriptions and their deliveries; callers commit."""

import secrets
import time
import uuid
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, delete, update
from sqlmodel import Session, col, select

from notifier.channels.filters import Filters
from notifier.channels.models import Delivery, DeliveryAttempt, Subscription, SubscriptionStamp
from notifier.channels.webhooks import index as subscription_index
from notifier.channels.webhooks import signing
from notifier.channels.webhooks.schemas import SubscriptionCreate
from notifier.ingest.rows import insert_many
from periplus.errors import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    ProblemError,
    UnauthorizedError,
)

ROTATION_GRACE = timedelta(hours=24)

# A delivery's life: pending (due at ``next_attempt_at``), sending (claimed by one
# attempt until ``next_attempt_at``), then delivered or dead. The public sees
# ``sending`` as ``pending``.
PENDING, SENDING, DELIVERED, DEAD = "pending", "sending", "delivered", "dead"
OPEN = (PENDING, SENDING)


def now() -> datetime:
    return datetime.now(UTC)


def new_message_id() -> str:
    return message_ids(1)[0]


def message_ids(count: int) -> list[str]:
    """Fresh ``webhook-id``s that sort in the order they are made (the time, 40 random bits,
    a count): a batch's deliveries go to the end of the id index, not all over it, and two
    processes' ids stay apart by the random bits."""
    prefix = f"msg_{time.time_ns():016x}{secrets.token_hex(5)}"
    return [f"{prefix}{n:08x}" for n in range(count)]


def filters(sub: Subscription) -> Filters:
    return Filters.of(sub.trip_ids, sub.departments, sub.sdg_goals, sub.types)


def fan_out(session: Session, notices: Sequence[Mapping[str, Any]]) -> int:
    """Queue each notice (a ``channel_notice`` row) for every active subscription whose
    filters it matches, found through the index; one statement for the whole batch.

    Each notice's deliveries are a microsecond younger than the one's before it: the
    worker sends a receiver's deliveries oldest first, and holds newer ones behind
    one that fails, by that time.
    """
    if not notices:
        return 0
    index = subscription_index.current(session)
    start = now()
    matches = [
        index.matching(n["type"], n["trip_id"], n["departments"], n["sdg_goals"]) for n in notices
    ]
    ids = iter(message_ids(sum(len(matched) for matched in matches)))
    rows: list[dict[str, Any]] = []
    for n, (notice, matched) in enumerate(zip(notices, matches, strict=True)):
        moment = start + timedelta(microseconds=n)
        rows.extend(
            {
                "id": next(ids),
                "subscription_id": sub_id,
                "type": notice["type"],
                "ledger_index": notice["ledger_index"],
                "sub": notice["sub"],
                "body": None,
                "status": PENDING,
                "attempts": 0,
                "next_attempt_at": moment,
                "retry_until": moment,  # set by the worker's window on the first failure
                "created_at": moment,
            }
            for sub_id in matched
        )
    insert_many(session, Delivery, rows)
    return len(rows)


def changed(session: Session) -> None:
    """Renew the stamp of the subscriptions, in the transaction that changes them, so that
    every process's fan-out reads them again; the caller commits."""
    session.execute(
        update(SubscriptionStamp)
        .where(col(SubscriptionStamp.id) == 1)
        .values(stamp=uuid.uuid4().hex)
    )


def create(
    session: Session, body: SubscriptionCreate, token: str | None, per_token: int
) -> tuple[Subscription, str | None]:
    """A new subscription; with ``token``, one more under an existing token."""
    plain = None
    if token is None:
        plain = signing.new_token()
        digest = signing.token_hash(plain)
    else:
        digest = signing.token_hash(token)
        owned = len(session.exec(select(Subscription.id).where(_owner(digest))).all())
        if owned == 0:
            raise _unauthorized()
        if owned >= per_token:
            raise ConflictError(f"This token already manages {owned} subscriptions, the most.")
    sub = Subscription(
        id=str(uuid.uuid4()),
        url=body.url,
        description=body.description,
        trip_ids=[str(t) for t in body.trip_ids],
        departments=body.departments,
        sdg_goals=body.sdg_goals,
        types=body.types,
        secret=signing.new_secret(),
        token_hash=digest,
        created_at=now(),
    )
    session.add(sub)
    changed(session)
    return sub, plain


def _owner(digest: str) -> ColumnElement[bool]:
    return col(Subscription.token_hash) == digest


def _unauthorized() -> ProblemError:
    return UnauthorizedError(
        "Send the subscription's token (`whtok_...`) as `Authorization: Bearer`.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def owned(session: Session, token: str | None) -> Sequence[Subscription]:
    if not token:
        raise _unauthorized()
    subs = session.exec(
        select(Subscription)
        .where(_owner(signing.token_hash(token)))
        .order_by(col(Subscription.created_at))
    ).all()
    if not subs:
        raise _unauthorized()
    return subs


def get_owned(session: Session, token: str | None, sub_id: str) -> Subscription:
    for sub in owned(session, token):
        if sub.id == sub_id:
            return sub
    raise NotFoundError("This token manages no subscription with this id.")


def remove(session: Session, sub: Subscription) -> None:
    ids = select(Delivery.id).where(col(Delivery.subscription_id) == sub.id)
    session.exec(delete(DeliveryAttempt).where(col(DeliveryAttempt.delivery_id).in_(ids)))
    session.exec(delete(Delivery).where(col(Delivery.subscription_id) == sub.id))
    session.delete(sub)
    changed(session)


def rotate(session: Session, sub: Subscription) -> datetime:
    """A new secret; the old one keeps signing too until the returned moment."""
    until = now() + ROTATION_GRACE
    sub.previous_secret, sub.previous_secret_until = sub.secret, until
    sub.secret = signing.new_secret()
    session.add(sub)
    return until


def enqueue_test(session: Session, sub: Subscription, public_url: str) -> Delivery:
    moment = now()
    message_id = new_message_id()
    body = (
        '{"data":{"message":"A test from Periplus: your receiver is subscribed.",'
        f'"subscription_id":"{sub.id}","site":"{public_url.rstrip("/")}"}},'
        f'"id":"{message_id}","timestamp":"{moment.isoformat().replace("+00:00", "Z")}",'
        '"type":"webhook.test"}'
    )
    delivery = Delivery(
        id=message_id,
        subscription_id=sub.id,
        type="webhook.test",
        body=body,
        next_attempt_at=moment,
        retry_until=moment,
        created_at=moment,
    )
    session.add(delivery)
    return delivery


def deliveries(
    session: Session, sub: Subscription, status: str | None, before: str | None, limit: int
) -> Sequence[Delivery]:
    query = select(Delivery).where(col(Delivery.subscription_id) == sub.id)
    if status:
        query = query.where(col(Delivery.status).in_(OPEN if status == PENDING else [status]))
    if before:
        pivot = session.get(Delivery, before)
        if pivot is None or pivot.subscription_id != sub.id:
            raise BadRequestError("`before` names no delivery of this subscription.")
        query = query.where(
            (col(Delivery.created_at) < pivot.created_at)
            | ((col(Delivery.created_at) == pivot.created_at) & (col(Delivery.id) < pivot.id))
        )
    return session.exec(
        query.order_by(col(Delivery.created_at).desc(), col(Delivery.id).desc()).limit(limit)
    ).all()


def delivery(session: Session, sub: Subscription, delivery_id: str) -> Delivery:
    found = session.get(Delivery, delivery_id)
    if found is None or found.subscription_id != sub.id:
        raise NotFoundError("This subscription has no delivery with this id.")
    return found


def attempts(session: Session, delivery_id: str) -> Sequence[DeliveryAttempt]:
    return session.exec(
        select(DeliveryAttempt)
        .where(col(DeliveryAttempt.delivery_id) == delivery_id)
        .order_by(col(DeliveryAttempt.number))
    ).all()


def retry(session: Session, sub: Subscription, found: Delivery) -> Delivery:
    """Send a dead-lettered delivery once more, now, under the same webhook id."""
    if found.status != DEAD:
        raise ConflictError(f"The delivery is {public_status(found)}; only dead ones retry.")
    if sub.status != "active":
        raise ConflictError(f"The subscription is {sub.status}: its receiver asked for no more.")
    moment = now()
    found.status, found.next_attempt_at, found.retry_until = PENDING, moment, moment
    session.add(found)
    return found


def public_status(found: Delivery) -> str:
    return PENDING if found.status == SENDING else found.status


def prune(session: Session, before: datetime) -> int:
    """Forget delivered and dead deliveries created before ``before``; return how many."""
    old = (
        select(Delivery.id)
        .where(col(Delivery.status).in_([DELIVERED, DEAD]))
        .where(col(Delivery.created_at) < before)
    )
    ids = list(session.exec(old).all())
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.exec(delete(DeliveryAttempt).where(col(DeliveryAttempt.delivery_id).in_(chunk)))
        session.exec(delete(Delivery).where(col(Delivery.id).in_(chunk)))
    return len(ids)
