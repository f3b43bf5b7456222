"""Request dependencies: a session, the API key and its scopes, and the write headers."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlmodel import Session

from periplus import ratelimit
from periplus.errors import (
    ForbiddenError,
    PreconditionFailedError,
    ProblemError,
    UnauthorizedError,
)
from trips_api import state
from trips_api.keys import service as keys_service
from trips_api.keys.models import PRIVATE_SCOPES, ApiKey


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


def write_session(request: Request) -> Session:
    """The session of a write, for the route to open and close in its own trip to the thread
    pool: ``SessionDep`` would cost every write a dependency's exit stack. What it read is not
    read again after the commit, which answers the write."""
    return Session(state.of(request.app).engine, expire_on_commit=False)


_bearer = HTTPBearer(auto_error=False, description="An API key: `Bearer pk_...`")
_CHALLENGE = {"WWW-Authenticate": "Bearer"}


def _key(
    session: Session,
    credentials: HTTPAuthorizationCredentials | None,
    idempotency_key: str | None = None,
    trip_id: uuid.UUID | None = None,
) -> ApiKey | None:
    if credentials is None:
        return None
    key = keys_service.authenticate(session, credentials.credentials, idempotency_key, trip_id)
    if key is None:
        raise UnauthorizedError("The API key is unknown or revoked.", headers=_CHALLENGE)
    return key


def _admitted(
    session: Session,
    credentials: HTTPAuthorizationCredentials | None,
    scope: str,
    idempotency_key: str | None,
    trip_id: uuid.UUID | None = None,
) -> ApiKey:
    # A write's earlier answer, if any, comes with the key (and the trip it changes, if it
    # changes one): one round trip, not two or three.
    key = _key(session, credentials, idempotency_key, trip_id)
    if key is None:
        raise UnauthorizedError("Send an API key as `Authorization: Bearer`.", headers=_CHALLENGE)
    if scope not in key.scope_set and "admin" not in key.scope_set:
        raise ForbiddenError(f"This key lacks the {scope!r} scope.")
    return key


def require(scope: str) -> Callable[..., ApiKey]:
    """A dependency that admits a live key holding ``scope`` (or ``admin``)."""

    def check(
        request: Request,
        session: SessionDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiKey:
        return _admitted(session, credentials, scope, request.headers.get("Idempotency-Key"))

    return check


_CLAIMED = "trips_api.claim"


@dataclass(frozen=True)
class Claim:
    """The key a write was sent with, to be admitted (as ``require`` does) by the write
    itself, in its own trip to the thread pool rather than one more of a dependency's.

    A request refused for its input never gets that far: its answer admits the claim
    first (``refusal``), so that a bad key still meets 401 or 403 before any 422.
    """

    scope: str
    credentials: HTTPAuthorizationCredentials | None
    idempotency_key: str | None

    def admit(self, session: Session, trip_id: uuid.UUID | None = None) -> ApiKey:
        """The key, admitted; with ``trip_id``, the trip the write changes is read with it,
        locked, for ``lifecycle.get(..., for_update=True)``."""
        return _admitted(session, self.credentials, self.scope, self.idempotency_key, trip_id)


def claim(scope: str) -> Callable[..., Awaitable[Claim]]:
    """A dependency that takes the key sent for a write needing ``scope``, unchecked."""

    async def claimed(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> Claim:
        made = Claim(scope, credentials, request.headers.get("Idempotency-Key"))
        request.scope[_CLAIMED] = made
        return made

    return claimed


def refusal(request: Request, session: Session) -> ProblemError | None:
    """The 401 or 403 that the request's claim, if it made one, meets."""
    made = request.scope.get(_CLAIMED)
    if not isinstance(made, Claim):
        return None
    try:
        made.admit(session)
    except ProblemError as refused:
        return refused
    return None


def reader(
    request: Request,
    session: SessionDep,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> ApiKey | None:
    """The key of a read, if any; anonymous reads are rate limited per client address and
    per its network."""
    key = _key(session, credentials)
    if key is None:
        state.of(request.app).limiter.check(
            ratelimit.client(request),
            "anonymous reads from this address or network (an API key is not limited)",
            described=True,
        )
    return key


def sees_private(key: ApiKey | None) -> bool:
    return key is not None and bool(key.scope_set & PRIVATE_SCOPES)


Writer = Annotated[ApiKey, Depends(require("trips:write"))]
Approver = Annotated[ApiKey, Depends(require("trips:approve"))]
Reporter = Annotated[ApiKey, Depends(require("trips:report"))]
Admin = Annotated[ApiKey, Depends(require("admin"))]
Reader = Annotated[ApiKey | None, Depends(reader)]
WriterClaim = Annotated[Claim, Depends(claim("trips:write"))]

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
