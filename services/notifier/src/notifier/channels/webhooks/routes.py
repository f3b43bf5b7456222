"""Webhook subscriptions: anyone may subscribe; a per-subscription token manages it."""

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request, Response, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from notifier import state
from notifier.channels.models import OPEN, Delivery, Subscription
from notifier.channels.webhooks import addresses, repository, service
from notifier.channels.webhooks.schemas import (
    AttemptPublic,
    DeliveryDetail,
    DeliveryPage,
    DeliveryPublic,
    SecretRotated,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionList,
    SubscriptionPublic,
)
from notifier.deps import SessionDep
from periplus import ratelimit
from periplus.errors import InvalidError
from periplus.ratelimit import RateLimiter

router = APIRouter(prefix="/v1/subscriptions", tags=["webhooks"])

_bearer = HTTPBearer(auto_error=False, description="The subscription's token: `Bearer whtok_...`")
Token = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]

_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No token, or a token that manages no subscription"},
    404: {"description": "This token manages no such subscription or delivery"},
}

TEST_LIMIT = RateLimiter(limit=6, period=60.0)


def _token(credentials: Token) -> str | None:
    return credentials.credentials if credentials else None


def _public(sub: Subscription) -> SubscriptionPublic:
    return SubscriptionPublic.model_validate(sub, from_attributes=True)


def _delivery(found: Delivery, request: Request) -> DeliveryPublic:
    window = timedelta(seconds=state.of(request.app).settings.webhook_retry_window)
    public = DeliveryPublic.model_validate(found, from_attributes=True)
    update: dict[str, Any] = {
        "status": service.public_status(found),
        "retry_until": max(found.retry_until, found.created_at + window),
    }
    if found.status not in OPEN:
        update["next_attempt_at"] = None
    return public.model_copy(update=update)


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    summary="Subscribe a receiver; the answer shows its secret and token once",
    responses={
        401: _ERRORS[401],
        409: {"description": "The token manages the most subscriptions allowed"},
        422: {"description": "Bad input, or a receiver on a private or loopback address"},
        429: {"description": "Too many new subscriptions from this address or its network"},
    },
)
def create_subscription(
    request: Request, body: SubscriptionCreate, session: SessionDep, credentials: Token
) -> SubscriptionCreated:
    """Anyone may subscribe. Keep the `secret` to verify signatures and the `token` to list,
    delete, rotate or test the subscription; neither is shown again. Send an existing
    token to add this subscription to it."""
    settings, limiter = state.of(request.app).settings, state.of(request.app).subscription_limiter
    limiter.check(ratelimit.client(request), "new subscriptions from this address or network")
    if not settings.allow_private_receivers:
        try:
            addresses.check_reachable(body.url)
        except addresses.ReceiverRefusedError as exc:
            raise InvalidError(
                str(exc),
                errors=[{"location": "body.url", "message": str(exc), "type": "receiver"}],
            ) from exc
    sub, token = service.create(
        session, body, _token(credentials), settings.subscriptions_per_token
    )
    session.commit()
    session.refresh(sub)
    return SubscriptionCreated(**_public(sub).model_dump(), secret=sub.secret, token=token)


@router.get("", summary="The subscriptions this token manages", responses=_ERRORS)
def list_subscriptions(session: SessionDep, credentials: Token) -> SubscriptionList:
    subs = service.owned(session, _token(credentials))
    return SubscriptionList(subscriptions=[_public(s) for s in subs])


@router.get("/{sub_id}", summary="One subscription", responses=_ERRORS)
def get_subscription(sub_id: str, session: SessionDep, credentials: Token) -> SubscriptionPublic:
    return _public(service.get_owned(session, _token(credentials), sub_id))


@router.delete(
    "/{sub_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Unsubscribe; pending deliveries are dropped",
    responses=_ERRORS,
)
def delete_subscription(sub_id: str, session: SessionDep, credentials: Token) -> Response:
    service.remove(session, service.get_owned(session, _token(credentials), sub_id))
    session.commit()
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/{sub_id}/secret",
    summary="Rotate the signing secret; the old one also signs for 24 hours",
    responses=_ERRORS,
)
def rotate_secret(sub_id: str, session: SessionDep, credentials: Token) -> SecretRotated:
    sub = service.get_owned(session, _token(credentials), sub_id)
    until = service.rotate(session, sub)
    session.commit()
    return SecretRotated(secret=sub.secret, previous_secret_valid_until=until)


@router.post(
    "/{sub_id}/test",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a `webhook.test` message to the receiver",
    responses={**_ERRORS, 429: {"description": "Too many tests for this subscription"}},
)
def send_test(
    request: Request, sub_id: str, session: SessionDep, credentials: Token
) -> DeliveryPublic:
    sub = service.get_owned(session, _token(credentials), sub_id)
    TEST_LIMIT.check(sub.id, "tests of this subscription")
    delivery = service.enqueue_test(session, sub, state.of(request.app).settings.public_url)
    session.commit()
    session.refresh(delivery)
    state.of(request.app).wake_deliveries()
    return _delivery(delivery, request)


@router.get(
    "/{sub_id}/deliveries",
    summary="The delivery log, newest first; `status=dead` is the dead-letter list",
    responses=_ERRORS,
)
def list_deliveries(
    request: Request,
    sub_id: str,
    session: SessionDep,
    credentials: Token,
    status_: Annotated[
        str | None, Query(alias="status", pattern=r"^(pending|delivered|dead)$")
    ] = None,
    before: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> DeliveryPage:
    sub = service.get_owned(session, _token(credentials), sub_id)
    rows = service.deliveries(session, sub, status_, before, limit)
    return DeliveryPage(
        deliveries=[_delivery(d, request) for d in rows],
        next_cursor=rows[-1].id if len(rows) == limit else None,
    )


@router.get(
    "/{sub_id}/deliveries/{delivery_id}",
    summary="One delivery with every attempt",
    responses=_ERRORS,
)
def get_delivery(
    request: Request, sub_id: str, delivery_id: str, session: SessionDep, credentials: Token
) -> DeliveryDetail:
    sub = service.get_owned(session, _token(credentials), sub_id)
    found = service.delivery(session, sub, delivery_id)
    log = [
        AttemptPublic.model_validate(a, from_attributes=True)
        for a in repository.attempts(session, found.id)
    ]
    return DeliveryDetail(**_delivery(found, request).model_dump(), log=log)


@router.post(
    "/{sub_id}/deliveries/{delivery_id}/retry",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Send a dead-lettered delivery once more, now, with the same webhook id",
    responses={
        **_ERRORS,
        409: {"description": "The delivery is not dead, or the subscription is disabled"},
    },
)
def retry_delivery(
    request: Request, sub_id: str, delivery_id: str, session: SessionDep, credentials: Token
) -> DeliveryPublic:
    sub = service.get_owned(session, _token(credentials), sub_id)
    found = service.retry(session, sub, service.delivery(session, sub, delivery_id))
    session.commit()
    session.refresh(found)
    state.of(request.app).wake_deliveries()
    return _delivery(found, request)
