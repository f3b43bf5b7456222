"""Subscriptions and their deliveries; callers commit."""

import secrets
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

from sqlmodel import Session

from notifier.channels.filters import Filters
from notifier.channels.models import DEAD, OPEN, PENDING, SENDING, Delivery, Notice, Subscription
from notifier.channels.webhooks import repository, signing
from notifier.channels.webhooks.schemas import SubscriptionCreate
from periplus.errors import (
    BadRequestError,
    ConflictError,
    NotFoundError,
    ProblemError,
    UnauthorizedError,
)

ROTATION_GRACE = timedelta(hours=24)


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


def withdraw_unmatched(session: Session, notices: Sequence[Notice]) -> int:
    """Forget the deliveries not yet sent of these notices whose subscription's filters they
    no longer match (a withheld entry gave them the departments or goals matched on): that
    a receiver is sent one at all would say what the notice no longer does. Returns how
    many were forgotten; the caller commits."""
    if not notices:
        return 0
    found = {(n.ledger_index, n.sub): n for n in notices}
    gone = []
    for row in repository.unsent(session, [index for index, _ in found]):
        notice = found.get((row[1], row[2]))
        if notice is not None and not Filters.of(*row[3:]).matches(
            notice.type, notice.trip_id, notice.departments, notice.sdg_goals
        ):
            gone.append(row[0])
    repository.forget(session, gone)
    return len(gone)


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
        owned = repository.count_owned(session, digest)
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
    repository.changed(session)
    return sub, plain


def _unauthorized() -> ProblemError:
    return UnauthorizedError(
        "Send the subscription's token (`whtok_...`) as `Authorization: Bearer`.",
        headers={"WWW-Authenticate": "Bearer"},
    )


def owned(session: Session, token: str | None) -> Sequence[Subscription]:
    if not token:
        raise _unauthorized()
    subs = repository.owned(session, signing.token_hash(token))
    if not subs:
        raise _unauthorized()
    return subs


def get_owned(session: Session, token: str | None, sub_id: str) -> Subscription:
    for sub in owned(session, token):
        if sub.id == sub_id:
            return sub
    raise NotFoundError("This token manages no subscription with this id.")


def remove(session: Session, sub: Subscription) -> None:
    repository.remove(session, sub)
    repository.changed(session)


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
    """A page of the subscription's deliveries, newest first, older than ``before``."""
    statuses = None if not status else OPEN if status == PENDING else (status,)
    pivot = None
    if before:
        pivot = repository.delivery(session, before)
        if pivot is None or pivot.subscription_id != sub.id:
            raise BadRequestError("`before` names no delivery of this subscription.")
    return repository.deliveries_of(session, sub.id, statuses, pivot, limit)


def delivery(session: Session, sub: Subscription, delivery_id: str) -> Delivery:
    found = repository.delivery(session, delivery_id)
    if found is None or found.subscription_id != sub.id:
        raise NotFoundError("This subscription has no delivery with this id.")
    return found


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
