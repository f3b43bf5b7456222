"""Departments as clients send and see them."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, StrictBool

from trips_api.fields import Code, Name


class DepartmentCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"code": "housing", "name": "Housing"}]},
    )

    code: Code
    name: Name


class DepartmentUpdate(BaseModel):
    """A rename, or retiring a department: retired ones stay on old trips but not new ones."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "International Relations and Cooperation"}]},
    )

    name: Name | None = None
    active: StrictBool | None = None


class DepartmentPublic(BaseModel):
    code: str
    name: str
    active: bool
    created_at: datetime
    updated_at: datetime


class DepartmentList(BaseModel):
    departments: list[DepartmentPublic]
