"""API keys over HTTP, for administrators: create, list, revoke."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import Response

from periplus.errors import NotFoundError
from periplus.openapi import problems
from trips_api.deps import Admin, IdempotencyKey, SessionDep
from trips_api.keys import service
from trips_api.keys.models import ApiKey
from trips_api.keys.schemas import KeyCreate, KeyCreated, KeyList, KeyPublic
from trips_api.respond import Outcome, write

router = APIRouter(prefix="/v1/keys", tags=["keys"])

_ERRORS = problems(
    {
        401: "No valid API key",
        403: "The key lacks the admin scope",
        404: "No such key",
        409: "The Idempotency-Key was used for another request",
    }
)
KeyId = Annotated[str, Path(pattern=r"^[0-9a-f]{12}$", description="The key's id (prefix).")]


def _public(key: ApiKey) -> KeyPublic:
    return KeyPublic(
        id=key.id,
        name=key.name,
        holder=key.holder,
        scopes=sorted(key.scope_set),
        created_at=key.created_at,
        created_by=key.created_by,
        revoked_at=key.revoked_at,
        revoked_by=key.revoked_by,
    )


@router.get("", summary="Every key, revoked ones included (admin)", responses=_ERRORS)
def list_keys(session: SessionDep, _admin: Admin) -> KeyList:
    """Keys by id, name and scopes, with who created and revoked them; never the secrets."""
    return KeyList(keys=[_public(k) for k in service.all_(session)])


@router.post(
    "",
    response_model=KeyCreated,
    status_code=status.HTTP_201_CREATED,
    summary="Create a key (admin); the key is in the answer, once",
    responses=_ERRORS,
)
def create_key(
    request: Request,
    body: KeyCreate,
    session: SessionDep,
    admin: Admin,
    idem: IdempotencyKey = None,
) -> Response:
    """Only a SHA-256 of the secret is kept: store the key now, it is not shown again."""

    def act() -> Outcome:
        key, plain = service.create(
            session,
            body.name,
            list(body.scopes),
            created_by=admin.id,
            holder=body.holder or admin.holder,
        )
        shown = KeyCreated(**_public(key).model_dump(), key=plain)
        kept = KeyCreated(**_public(key).model_dump(), key=None)
        return Outcome(201, shown, None, f"/v1/keys/{key.id}", stored=kept)

    return write(request, session, admin, idem, body, act)


@router.post(
    "/{key_id}/revoke",
    response_model=KeyPublic,
    summary="Revoke a key (admin); it stops working at once",
    responses=_ERRORS,
)
def revoke_key(
    request: Request, key_id: KeyId, session: SessionDep, admin: Admin, idem: IdempotencyKey = None
) -> Response:
    """Revoking is final and recorded with the key that did it."""

    def act() -> Outcome:
        key = session.get(ApiKey, key_id)
        if key is None:
            raise NotFoundError(f"No key has the id {key_id!r}.")
        return Outcome(200, _public(service.revoke(session, key, admin.id)))

    return write(request, session, admin, idem, None, act)
