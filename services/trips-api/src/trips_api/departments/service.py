"""Keeping the departments registry; callers commit."""

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from sqlmodel import Session, col, select

from periplus.errors import ConflictError, NotFoundError
from trips_api.departments.models import Department
from trips_api.departments.schemas import DepartmentCreate, DepartmentUpdate
from trips_api.keys.models import ApiKey


def create(session: Session, body: DepartmentCreate, key: ApiKey) -> Department:
    if session.get(Department, body.code) is not None:
        raise ConflictError(f"A department with the code {body.code!r} exists.")
    now = datetime.now(UTC)
    department = Department(
        code=body.code,
        name=body.name,
        created_by=key.id,
        updated_by=key.id,
        created_at=now,
        updated_at=now,
    )
    session.add(department)
    return department


def get(session: Session, code: str) -> Department:
    department = session.get(Department, code)
    if department is None:
        raise NotFoundError(f"No department has the code {code!r}.")
    return department


def update(
    session: Session, department: Department, body: DepartmentUpdate, key: ApiKey
) -> Department:
    if body.name is not None:
        department.name = body.name
    if body.active is not None:
        department.active = body.active
    department.version += 1
    department.updated_by, department.updated_at = key.id, datetime.now(UTC)
    session.add(department)
    return department


def all_(session: Session) -> Sequence[Department]:
    return session.exec(select(Department).order_by(col(Department.code))).all()


def names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return {}
    rows = session.exec(select(Department).where(col(Department.code).in_(wanted))).all()
    return {d.code: d.name for d in rows}


def unusable(session: Session, codes: Iterable[str]) -> list[str]:
    """The codes that name no active department."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return []
    rows = session.exec(select(Department).where(col(Department.code).in_(wanted))).all()
    active = {d.code for d in rows if d.active}
    return [c for c in wanted if c not in active]
