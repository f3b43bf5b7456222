"""Request dependencies: a session, the API key and its scopes, and the write headers."""

from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from periplus import ratelimit
from periplus.errors import ForbiddenError, PreconditionFailedError, UnauthorizedError
from trips_api import state
from trips_api.keys import service as keys_service
from trips_api.keys.models import ApiKey

PRIVATE_SCOPES = frozenset({"trips:read-private", "admin"})


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The request's session. Made on the event loop (making one does no I/O), which
    spares the request two trips to the thread pool; closed there too once a commit has
    given back its connection, and otherwise in the pool, as closing rolls back."""
    session = Session(state.of(request.app).engine)
    try:
        yield session
    finally:
        if session.in_transaction():
            await run_in_threadpool(session.close)
        else:
            session.close()


SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False, description="An API key: `Bearer pk_...`")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _key(
    session: Session,
    credentials: HTTPAuthorizationCredentials | None,
    idempotency_key: str | None = None,
) -> ApiKey | None:
    if credentials is None:
        return None
    key = keys_service.authenticate(session, credentials.credentials, idempotency_key)
    if key is None:
        raise UnauthorizedError("The API key is unknown or revoked.", headers=_CHALLENGE)
    return key


def require(scope: str) -> Callable[..., ApiKey]:
    """A dependency that admits a live key holding ``scope`` (or ``admin``)."""

    def check(
        request: Request,
        session: SessionDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiKey:
        # A write's earlier answer, if any, comes with the key: one round trip, not two.
        key = _key(session, credentials, request.headers.get("Idempotency-Key"))
        if key is None:
            raise UnauthorizedError(
                "Send an API key as `Authorization: Bearer`.",
                headers=_CHALLENGE,
            )
        if scope not in key.scope_set and "admin" not in key.scope_set:
            raise ForbiddenError(f"This key lacks the {scope!r} scope.")
        return key

    return check


def reader(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey | None:
    """The key of a read, if any; anonymous reads are rate limited per client address."""
    key = _key(session, credentials)
    if key is None:
        state.of(request.app).limiter.check(
            ratelimit.client(request), "anonymous reads (an API key is not limited)"
        )
    return key


def sees_private(key: ApiKey | None) -> bool:
    return key is not None and bool(key.scope_set & PRIVATE_SCOPES)


Writer = Annotated[ApiKey, Depends(require("trips:write"))]
Approver = Annotated[ApiKey, Depends(require("trips:approve"))]
Reporter = Annotated[ApiKey, Depends(require("trips:report"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
Reader = Annotated[ApiKey | None, Depends(reader)]

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        pattern=r"^[\x21-\x7e]{1,200}$",
        description="A unique value per intended operation (a UUID): a retry with the same key "
        "and body gets the first answer; the same key with another body gets 409.",
    ),
]
IfMatch = Annotated[
    str | None,
    Header(
        alias="If-Match",
        max_length=200,
        pattern=r"^[\x20-\x7e]*$",
        description="The ETag last read; the write fails with 412 if the resource changed since.",
    ),
]


def check_if_match(if_match: str | None, etag: str) -> None:
    if if_match is None:
        return
    tags = [t.strip().removeprefix("W/") for t in if_match.split(",")]
    if "*" not in tags and etag not in tags:
        raise PreconditionFailedError(
            f"The resource changed since it was read (now {etag}); read it again and retry.",
        )
