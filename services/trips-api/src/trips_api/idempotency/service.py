"""Remembering the answer to a POST under its Idempotency-Key, in the same transaction.

The fingerprint is the method, the path and the validated body: the same key
with the same request replays the first answer; with another request it is a
conflict. Only successful answers are kept: a failed request changed nothing,
so trying it again is safe.
"""

import hashlib
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, bindparam, inspect, select
from sqlmodel import Session, col, delete

from periplus import deferred
from periplus.db import table
from periplus.errors import ConflictError
from trips_api.departments import service as departments_service
from trips_api.idempotency.models import IdempotencyRecord
from trips_api.instances import loaded
from trips_api.keys.models import ApiKey
from trips_api.trips import repository

_ABSENT = "idempotency_absent"
SWEEP_CHANCE = 0.01
"""How often an answer stored also clears its key's expired answers (a statement more)."""


def fingerprint(method: str, path: str, body: str) -> str:
    return hashlib.sha256(f"{method} {path}\n{body}".encode()).hexdigest()


def _expired(record: IdempotencyRecord, hours: int) -> bool:
    created = record.created_at
    if created.tzinfo is None:  # SQLite hands back naive UTC
        created = created.replace(tzinfo=UTC)
    return created <= datetime.now(UTC) - timedelta(hours=hours)


_KEY_COLUMNS = tuple(inspect(ApiKey).columns.values())
_KEY_NAMES = tuple(inspect(ApiKey).columns.keys())
_KEY = inspect(ApiKey).local_table
_RECORD = table(IdempotencyRecord)
_WITH_ANSWER = _KEY.outerjoin(
    _RECORD,
    and_(
        _RECORD.c.key_id == _KEY.c.id,
        _RECORD.c.idempotency_key == bindparam("idempotency_key"),
    ),
)
_READ = (*_KEY_COLUMNS, _RECORD.c.key_id.is_not(None), departments_service.STAMP)
_KEY_WITH_ANSWER = select(*_READ).select_from(_WITH_ANSWER).where(_KEY.c.id == bindparam("key_id"))
# The trip only for a key that authenticates, so that no one else makes a change wait.
_LIVE = and_(_KEY.c.revoked_at.is_(None), _KEY.c.secret_hash == bindparam("digest"))


def _with_trip(dialect: str) -> Select[Any]:
    joined, trip = repository.locked_join(_WITH_ANSWER, _LIVE, dialect)
    return select(*_READ, _LIVE, *trip).select_from(joined).where(_KEY.c.id == bindparam("key_id"))


_KEY_ANSWER_TRIP = {dialect: _with_trip(dialect) for dialect in ("postgresql", "sqlite")}


def key_with_answer(
    session: Session,
    key_id: str,
    idempotency_key: str | None,
    trip: tuple[uuid.UUID, str] | None = None,
) -> ApiKey | None:
    """The API key, and in the same query whether it stored an answer under
    ``idempotency_key``, and the departments registry's stamp, which most writes need; with
    ``trip`` (its id, and the digest of the secret sent with the key), the trip a change
    acts on, locked, if the key is live and the digest its own (``repository.keep_locked``).

    A missing answer, the common case, is noted in the session, so that ``find`` need not
    ask again; a found one (a retry) ``find`` reads itself. The key is read by a Core
    statement, without the ORM's query machinery: the write reads it and never changes it.
    """
    connection = session.connection()
    params = {"key_id": key_id, "idempotency_key": idempotency_key}
    if trip is None:
        row = connection.execute(_KEY_WITH_ANSWER, params).first()
    else:
        params |= {"trip_id": str(trip[0]), "digest": trip[1]}
        row = connection.execute(_KEY_ANSWER_TRIP[connection.dialect.name], params).first()
    if row is None:
        return None
    count = len(_KEY_NAMES)
    departments_service.note_stamp(session, row[count + 1])
    if not row[count]:
        session.info[_ABSENT] = (key_id, idempotency_key)
    if trip is not None and row[count + 2]:  # read only for a key that authenticates
        repository.keep_locked(session, trip[0], row[count + 3 :])
    return loaded(ApiKey, _KEY_NAMES, row[:count])


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
    if random.random() < SWEEP_CHANCE:  # now and then, clear this API key's expired records
        cutoff = datetime.now(UTC) - timedelta(hours=hours)
        session.exec(
            delete(IdempotencyRecord)
            .where(col(IdempotencyRecord.key_id) == key_id)
            .where(col(IdempotencyRecord.created_at) < cutoff)
        )
    # Never changed again: inserted without an ORM object, with the transaction's next
    # statement or its commit; a twin request that stored its answer first makes that
    # raise IntegrityError.
    deferred.insert(
        session.connection(),
        _RECORD,
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
