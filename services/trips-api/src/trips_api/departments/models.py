from datetime import datetime

from sqlmodel import Field

from trips_api.models import TripsModel


class Department(TripsModel, table=True):
    __tablename__ = "department"

    code: str = Field(primary_key=True, max_length=40)
    name: str = Field(max_length=200)
    active: bool = True
    version: int = 1
    created_by: str = Field(max_length=16)
    updated_by: str = Field(max_length=16)
    created_at: datetime
    updated_at: datetime
