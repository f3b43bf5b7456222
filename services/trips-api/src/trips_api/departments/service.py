"""Keeping the departments registry; callers commit.

Writes look up departments on most requests (codes checked, names put into public
events), and the registry seldom changes: each engine keeps the registry in memory with
its stamp, and a request reads the stamp alone (with its API key, when it can) to learn
whether that copy is current.
"""

import weakref
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Engine, func
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
    changing(session)
    session.add(department)
    return department


def get(session: Session, code: str, *, for_update: bool = False) -> Department:
    """One department; ``for_update`` locks its row (PostgreSQL) until the commit, so that two
    changes sent with the same ETag take turns and the second finds the first's version."""
    department = session.get(Department, code, with_for_update=for_update or None)
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
    changing(session)
    session.add(department)
    return department


def all_(session: Session) -> Sequence[Department]:
    return session.exec(select(Department).order_by(col(Department.code))).all()


_NOTED, _CHANGED = "departments_stamp", "departments_changed"

STAMP = (
    select(func.count() + func.coalesce(func.sum(Department.version), 0))
    .select_from(Department)
    .scalar_subquery()
)
"""The registry's stamp: every change adds a department (the count and the sum of versions
each grow by one) or bumps one's version, and none is ever deleted, so it grows with each
change. Built once, as every statement of a request's path: building costs more than
running it from SQLAlchemy's cache."""
_READ_STAMP = select(STAMP)
_READ_ALL = select(col(Department.code), col(Department.name), col(Department.active))


def note_stamp(session: Session, value: int) -> None:
    """Keep the stamp read in this transaction, so that a lookup in it need not read it."""
    session.info[_NOTED] = (session.get_transaction(), value)


def _stamp(session: Session) -> int:
    transaction, noted = session.get_transaction(), session.info.get(_NOTED)
    if transaction is not None and noted is not None and noted[0] is transaction:
        return int(noted[1])
    value = int(session.execute(_READ_STAMP).scalar_one())
    note_stamp(session, value)
    return value


@dataclass(frozen=True)
class _Copy:
    stamp: int
    names: dict[str, str]
    active: frozenset[str]


_copies: "weakref.WeakKeyDictionary[Engine, _Copy]" = weakref.WeakKeyDictionary()


def _registry(session: Session) -> _Copy:
    """The registry, from memory while its stamp stands still."""
    bind = session.get_bind()
    engine = bind if isinstance(bind, Engine) else bind.engine
    copy, stamp = _copies.get(engine), _stamp(session)
    if copy is not None and copy.stamp == stamp:
        return copy
    # Read after the stamp, so at least as new as it says.
    rows = session.execute(_READ_ALL).all()
    copy = _Copy(stamp, {r[0]: r[1] for r in rows}, frozenset(r[0] for r in rows if r[2]))
    if not session.info.get(_CHANGED):  # a change is the registry's only once committed
        _copies[engine] = copy
    return copy


def changing(session: Session) -> None:
    """Note that this session changes the registry: what it reads of it is not kept."""
    session.info[_CHANGED] = True


def names(session: Session, codes: Iterable[str]) -> dict[str, str]:
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return {}
    known = _registry(session).names
    return {c: known[c] for c in wanted if c in known}


def unusable(session: Session, codes: Iterable[str]) -> list[str]:
    """The codes that name no active department."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return []
    active = _registry(session).active
    return [c for c in wanted if c not in active]
