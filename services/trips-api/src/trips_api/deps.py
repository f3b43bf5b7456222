"""Request dependencies: a database session, and the API key with its scopes."""

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from periplus.web import ProblemError
from sqlmodel import Session

from trips_api.keys import service as keys_service
from trips_api.keys.models import ApiKey


def get_session(request: Request) -> Iterator[Session]:
    with Session(request.app.state.engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]

_bearer = HTTPBearer(auto_error=False, description="An API key: `Bearer pk_...`")


def require(scope: str) -> Callable[..., ApiKey]:
    """A dependency that admits a live key holding ``scope`` (or ``admin``)."""

    def check(
        session: SessionDep,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    ) -> ApiKey:
        challenge = {"WWW-Authenticate": "Bearer"}
        if credentials is None:
            raise ProblemError(
                401,
                "Unauthorized",
                "Send an API key as `Authorization: Bearer`.",
                headers=challenge,
            )
        key = keys_service.authenticate(session, credentials.credentials)
        if key is None:
            raise ProblemError(
                401, "Unauthorized", "The API key is unknown or revoked.", headers=challenge
            )
        if scope not in key.scope_set and "admin" not in key.scope_set:
            raise ProblemError(403, "Forbidden", f"This key lacks the {scope!r} scope.")
        return key

    return check


Writer = Annotated[ApiKey, Depends(require("trips:write"))]
Approver = Annotated[ApiKey, Depends(require("trips:approve"))]
