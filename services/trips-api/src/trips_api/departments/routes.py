"""The departments registry over HTTP: anyone reads it, administrators keep it."""

from typing import Annotated

from fastapi import APIRouter, Path, Request, status
from fastapi.responses import Response

from periplus.openapi import problems
from trips_api.departments import service
from trips_api.departments.models import Department
from trips_api.departments.schemas import (
    DepartmentCreate,
    DepartmentList,
    DepartmentPublic,
    DepartmentUpdate,
)
from trips_api.deps import Admin, IdempotencyKey, IfMatch, Reader, SessionDep, check_if_match
from trips_api.fields import Code
from trips_api.respond import Outcome, json_with_etag, write

router = APIRouter(prefix="/v1/departments", tags=["departments"])

_ERRORS = problems(
    {
        401: "No valid API key",
        403: "The key lacks the admin scope",
        404: "No such department",
        409: "The code is taken, or the Idempotency-Key was reused",
        412: "If-Match names an older version",
    }
)
_READ_ERRORS = problems({429: "Reads without a key are rate limited; `Retry-After` says when"})
CodePath = Annotated[Code, Path(description="The department's code.")]


def _etag(department: Department) -> str:
    return f'"{department.version}"'


def _public(department: Department) -> DepartmentPublic:
    return DepartmentPublic.model_validate(department, from_attributes=True)


@router.get("", summary="Every department, retired ones included", responses=_READ_ERRORS)
def list_departments(session: SessionDep, _key: Reader) -> DepartmentList:
    """The registry that trips take their department codes from."""
    return DepartmentList(departments=[_public(d) for d in service.all_(session)])


@router.get(
    "/{code}",
    response_model=DepartmentPublic,
    summary="One department",
    responses={**_ERRORS, **_READ_ERRORS},
)
def get_department(code: CodePath, session: SessionDep, _key: Reader) -> Response:
    """The ETag header carries the version to send back in `If-Match`."""
    department = service.get(session, code)
    return json_with_etag(_public(department), _etag(department))


@router.post(
    "",
    response_model=DepartmentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Add a department (admin)",
    responses=_ERRORS,
)
def create_department(
    request: Request,
    body: DepartmentCreate,
    session: SessionDep,
    key: Admin,
    idem: IdempotencyKey = None,
) -> Response:
    """Trips name departments by `code`; events carry the `name`."""

    def act() -> Outcome:
        department = service.create(session, body, key)
        return Outcome(201, _public(department), _etag(department), f"/v1/departments/{body.code}")

    return write(request, session, key, idem, body, act)


@router.patch(
    "/{code}",
    response_model=DepartmentPublic,
    summary="Rename or retire a department (admin)",
    responses=_ERRORS,
)
def update_department(
    request: Request,
    code: CodePath,
    body: DepartmentUpdate,
    session: SessionDep,
    key: Admin,
    if_match: IfMatch = None,
) -> Response:
    """A retired department stays on the trips that named it; new trips cannot name it."""

    def act() -> Outcome:
        department = service.get(session, code, for_update=True)
        check_if_match(if_match, _etag(department))
        department = service.update(session, department, body, key)
        return Outcome(200, _public(department), _etag(department))

    return write(request, session, key, None, body, act)
