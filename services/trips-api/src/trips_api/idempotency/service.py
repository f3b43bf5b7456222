"""Remembering the answer to a POST under its Idempotency-Key, in the same transaction.

The fingerprint is the method, the path and the validated body: the same key
with the same request replays the first answer; with another request it is a
conflict. Only successful answers are kept: a failed request changed nothing,
so trying it again is safe.
"""

import hashlib
import random
from datetime import UTC, datetime, timedelta

from sqlalchemy import bindparam, insert
from sqlmodel import Session, and_, col, delete, select

from periplus.errors import ConflictError
from trips_api.departments import service as departments_service
from trips_api.idempotency.models import IdempotencyRecord
from trips_api.keys.models import ApiKey

_ABSENT = "idempotency_absent"


def fingerprint(method: str, path: str, body: str) -> str:
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def _expired(record: IdempotencyRecord, hours: int) -> bool:
    created = record.created_at
    if created.tzinfo is None:  # SQLite hands back naive UTC
        created = created.replace(tzinfo=UTC)
    return created <= datetime.now(UTC) - timedelta(hours=hours)


_KEY_WITH_ANSWER = (
    select(ApiKey, IdempotencyRecord, departments_service.STAMP)
    .outerjoin(
        IdempotencyRecord,
        and_(
            col(IdempotencyRecord.key_id) == col(ApiKey.id),
            col(IdempotencyRecord.idempotency_key) == bindparam("idempotency_key"),
        ),
    )
    .where(col(ApiKey.id) == bindparam("key_id"))
)
_REMEMBER = insert(IdempotencyRecord)


def key_with_answer(session: Session, key_id: str, idempotency_key: str) -> ApiKey | None:
    """The API key, and in the same query the answer it stored under ``idempotency_key``
    and the departments registry's stamp, which most writes need.

    A found answer waits in the session for ``find``; a missing one is noted there, so that
    ``find`` need not ask again.
    """
    row = session.exec(
        _KEY_WITH_ANSWER, params={"key_id": key_id, "idempotency_key": idempotency_key}
    ).first()
    if row is None:
        return None
    departments_service.note_stamp(session, row[2])
    if row[1] is None:
        session.info[_ABSENT] = (key_id, idempotency_key)
    return row[0]


def find(
    session: Session, key_id: str, idempotency_key: str, fp: str, hours: int
) -> IdempotencyRecord | None:
    """The stored answer for this key, or None; a conflict if it answered another request.

    A record older than ``hours`` is forgotten here and its key may act again.
    """
    if session.info.pop(_ABSENT, None) == (key_id, idempotency_key):
        return None  # looked up with the key, in this transaction
    record = session.get(IdempotencyRecord, (key_id, idempotency_key))
    if record is not None and _expired(record, hours):
        session.delete(record)
        session.flush()
        return None
    if record is not None and record.fingerprint != fp:
        raise ConflictError(
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
    hours: int,
) -> None:
    if random.random() < 0.01:  # now and then, clear this API key's expired records
        cutoff = datetime.now(UTC) - timedelta(hours=hours)
        session.exec(
            delete(IdempotencyRecord)
            .where(col(IdempotencyRecord.key_id) == key_id)
            .where(col(IdempotencyRecord.created_at) < cutoff)
        )
    # Never changed again: inserted at once, without an ORM object; a twin request that
    # stored its answer first makes this raise IntegrityError.
    session.connection().execute(
        _REMEMBER,
        {
            "key_id": key_id,
            "idempotency_key": idempotency_key,
            "fingerprint": fp,
            "status": status,
            "body": body,
            "etag": etag,
            "location": location,
            "created_at": datetime.now(UTC),
        },
    )
