"""Answering a write: run it once per Idempotency-Key, commit, and wake the relay."""

from collections.abc import Callable
from dataclasses import dataclass

from fastapi import Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from periplus.errors import ConflictError, ProblemError
from trips_api import state
from trips_api.events import service as events_service
from trips_api.idempotency import service as idempotency_service
from trips_api.keys.models import ApiKey


@dataclass
class Outcome:
    status: int
    payload: BaseModel
    etag: str | None = None
    location: str | None = None
    stored: BaseModel | None = None  # what a replay answers, when it must differ (no secrets)


def _response(
    status: int, body: str, etag: str | None, location: str | None, **extra: str
) -> Response:
    headers = {k: v for k, v in (("ETag", etag), ("Location", location)) if v}
    headers.update(extra)
    return Response(body, status_code=status, media_type="application/json", headers=headers)


def write(
    request: Request,
    session: Session,
    key: ApiKey,
    idempotency_key: str | None,
    body: BaseModel | None,
    act: Callable[[], Outcome],
) -> Response:
    """Act, commit and answer; or answer as the first time, for a repeated Idempotency-Key."""
    hours = state.of(request.app).settings.idempotency_hours
    fp = idempotency_service.fingerprint(
        request.method, request.url.path, body.model_dump_json() if body is not None else ""
    )
    if idempotency_key is not None:
        earlier = idempotency_service.find(session, key.id, idempotency_key, fp, hours)
        if earlier is not None:
            return _replay(earlier.status, earlier.body, earlier.etag, earlier.location)
    try:
        outcome = act()
    except ProblemError:
        # A twin request with the same key may have acted while this one waited for a lock.
        session.rollback()
        if idempotency_key is not None:
            earlier = idempotency_service.find(session, key.id, idempotency_key, fp, hours)
            if earlier is not None:
                return _replay(earlier.status, earlier.body, earlier.etag, earlier.location)
        raise
    text = outcome.payload.model_dump_json()
    try:
        if idempotency_key is not None:
            kept = outcome.stored.model_dump_json() if outcome.stored is not None else text
            idempotency_service.remember(
                session,
                key.id,
                idempotency_key,
                fp,
                outcome.status,
                kept,
                outcome.etag,
                outcome.location,
                hours,
            )
        session.commit()
    except IntegrityError:
        # The same key raced in from another request and won: answer as it did.
        session.rollback()
        earlier = (
            idempotency_service.find(session, key.id, idempotency_key, fp, hours)
            if idempotency_key is not None
            else None
        )
        if earlier is None:
            raise ConflictError(
                "Another request changed the same resource; read it and retry."
            ) from None
        return _replay(earlier.status, earlier.body, earlier.etag, earlier.location)
    if events_service.written(session):  # a wake-up with nothing to publish costs a read
        state.of(request.app).relay.notify()
    return _response(outcome.status, text, outcome.etag, outcome.location)


def _replay(status: int, body: str, etag: str | None, location: str | None) -> Response:
    return _response(status, body, etag, location, **{"Idempotent-Replayed": "true"})


def json_with_etag(payload: BaseModel, etag: str) -> Response:
    return JSONResponse(payload.model_dump(mode="json"), headers={"ETag": etag})
