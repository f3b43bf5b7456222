"""The city's department registry as a file, loaded at every start.

A city keeps its departments where it keeps the rest of its organisation
chart; the file (JSON, or CSV with a ``code,name[,active]`` header) is that
chart's export. Loading is idempotent: the codes it lists are added, renamed
or retired to match it, and departments it does not list (added by an admin
over the API) are left as they are.
"""

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError
from sqlmodel import Session

from trips_api.departments import service
from trips_api.departments.models import Department
from trips_api.fields import Code, Name

LOADED_BY = "registry-file"  # what `created_by` and `updated_by` say of a department the file made


class RegistryFileError(ValueError):
    """The file cannot be read as a registry; the service does not start on it."""


class Entry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    code: Code
    name: Name
    active: bool = True


_ENTRIES = TypeAdapter(list[Entry])


def read(path: Path) -> list[Entry]:
    """The entries of a registry file, checked as the API checks a department."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RegistryFileError(f"{path}: {exc.strerror or exc}") from exc
    try:
        if path.suffix.lower() == ".csv":
            rows: object = [
                {k: v for k, v in row.items() if v not in (None, "")}
                for row in csv.DictReader(text.splitlines())
            ]
        else:
            rows = json.loads(text)
        entries = _ENTRIES.validate_python(rows)
    except (json.JSONDecodeError, csv.Error) as exc:
        kind = "CSV" if path.suffix.lower() == ".csv" else "JSON"
        raise RegistryFileError(f"{path}: not valid {kind}: {exc}") from exc
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(map(str, first["loc"]))
        raise RegistryFileError(f"{path}: entry {where}: {first['msg']}") from None
    codes = [e.code for e in entries]
    repeated = sorted({c for c in codes if codes.count(c) > 1})
    if repeated:
        raise RegistryFileError(f"{path}: codes listed twice: {', '.join(repeated)}")
    return entries


def load(session: Session, entries: list[Entry]) -> int:
    """Make the registry agree with ``entries``; how many departments changed. Callers commit."""
    changed, moment = 0, datetime.now(UTC)
    service.changing(session)
    for entry in entries:
        department = session.get(Department, entry.code)
        if department is None:
            session.add(
                Department(
                    code=entry.code,
                    name=entry.name,
                    active=entry.active,
                    created_by=LOADED_BY,
                    updated_by=LOADED_BY,
                    created_at=moment,
                    updated_at=moment,
                )
            )
        elif (department.name, department.active) != (entry.name, entry.active):
            department.name, department.active = entry.name, entry.active
            department.version += 1
            department.updated_by, department.updated_at = LOADED_BY, moment
            session.add(department)
        else:
            continue
        changed += 1
    return changed
