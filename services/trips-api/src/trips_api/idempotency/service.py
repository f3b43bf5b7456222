"""Remembering the answer to a POST under its Idempotency-Key, in the same transaction.

The fingerprint is the method, the path and the validated body: the same key
with the same request replays the first answer; with another request it is a
conflict. Only successful answers are kept: a failed request changed nothing,
so trying it again is safe.
"""

import hashlib
from datetime import UTC, datetime

from sqlmodel import Session

from periplus.web import ProblemError
from trips_api.idempotency.models import IdempotencyRecord


def fingerprint(method: str, path: str, body: str) -> str:
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def find(session: Session, key_id: str, idempotency_key: str, fp: str) -> IdempotencyRecord | None:
    """The stored answer for this key, or None; a conflict if it answered another request."""
    record = session.get(IdempotencyRecord, (key_id, idempotency_key))
    if record is not None and record.fingerprint != fp:
        raise ProblemError(
            409,
            "Conflict",
            "This Idempotency-Key was already used for a different request; use a new key.",
        )
    return record


def remember(
    session: Session,
    key_id: str,
    idempotency_key: str,
    fp: str,
    status: int,
    body: str,
    etag: str | None,
    location: str | None,
) -> None:
    session.add(
        IdempotencyRecord(
            key_id=key_id,
            idempotency_key=idempotency_key,
            fingerprint=fp,
            status=status,
            body=body,
            etag=etag,
            location=location,
            created_at=datetime.now(UTC),
        )
    )
