"""Creating and checking API keys.

A key is ``pk_<id>_<secret>``; only SHA-256 of the secret is stored. Keys are
random and long, so a fast hash is enough and no one can recover them from
the database.
"""

import hashlib
import hmac
import secrets
from datetime import UTC, datetime

from sqlmodel import Session

from trips_api.keys.models import SCOPES, ApiKey


class UnknownScopeError(ValueError):
    pass


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def create(session: Session, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """Store a new key and return it with its plain text, which is shown only once."""
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
        secret_hash=_digest(secret),
        scopes=",".join(sorted(set(scopes))),
        created_at=datetime.now(UTC),
    )
    session.add(key)
    return key, f"pk_{key_id}_{secret}"


def authenticate(session: Session, token: str) -> ApiKey | None:
    """The live key that ``token`` is, or None."""
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != "pk" or not key_id or not secret:
        return None
    key = session.get(ApiKey, key_id)
    if key is None or key.revoked_at is not None:
        return None
    return key if hmac.compare_digest(key.secret_hash, _digest(secret)) else None
