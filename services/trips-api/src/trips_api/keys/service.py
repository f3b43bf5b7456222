"""Creating, checking and revoking API keys.

A key is ``pk_<id>_<secret>``; only SHA-256 of the secret is stored. Keys are
random and long, so a fast hash is enough and no one can recover them from
the database.
"""

import hashlib
import hmac
import re
import secrets
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from trips_api.idempotency import service as idempotency_service
from trips_api.keys.models import SCOPES, ApiKey

_TOKEN = re.compile(r"^pk_([0-9a-f]{12})_([A-Za-z0-9_-]{20,100})$")


class UnknownScopeError(ValueError):
    """A scope that no key can carry, or none named at all."""


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(
    session: Session,
    name: str,
    scopes: list[str],
    created_by: str | None = None,
    *,
    holder: str | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key and return it with its plain text, which is shown only once.

    The key belongs to ``holder``, the person or office answerable for it (its
    name when none is given).
    """
    unknown = sorted(set(scopes) - SCOPES)
    if unknown or not scopes:
        raise UnknownScopeError(
            f"unknown scopes {unknown}; choose from {sorted(SCOPES)}"
            if unknown
            else f"name at least one scope from {sorted(SCOPES)}"
        )
    key_id, secret = secrets.token_hex(6), secrets.token_urlsafe(32)
    key = ApiKey(
        id=key_id,
        name=name,
        holder=" ".join((holder or name).split()),
        secret_hash=_digest(secret),
        scopes=",".join(sorted(set(scopes))),
        created_at=datetime.now(UTC),
        created_by=created_by,
    )
    session.add(key)
    return key, f"pk_{key_id}_{secret}"


def authenticate(
    session: Session,
    token: str,
    idempotency_key: str | None = None,
    trip_id: uuid.UUID | None = None,
) -> ApiKey | None:
    """The live key that ``token`` is, or None; read on every request, so that a
    revocation holds from the next one. With ``idempotency_key``, the answer stored under it
    comes in the same query; with ``trip_id``, the trip that a change acts on
    (``idempotency_service.key_with_answer``)."""
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    key_id, secret = match.groups()
    digest = _digest(secret)
    key = (
        session.get(ApiKey, key_id)
        if idempotency_key is None and trip_id is None
        else idempotency_service.key_with_answer(
            session, key_id, idempotency_key, None if trip_id is None else (trip_id, digest)
        )
    )
    if key is None or key.revoked_at is not None:
        return None
    return key if hmac.compare_digest(key.secret_hash, digest) else None


def all_(session: Session) -> Sequence[ApiKey]:
    return session.exec(select(ApiKey).order_by(col(ApiKey.created_at))).all()


def revoke(session: Session, key: ApiKey, by: str) -> ApiKey:
    if key.revoked_at is None:
        key.revoked_at, key.revoked_by = datetime.now(UTC), by
        session.add(key)
    return key
