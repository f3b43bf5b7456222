from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Column
from sqlmodel import Field

from trips_api.models import TripsModel


class Trip(TripsModel, table=True):
    __tablename__ = "trip"

    id: str = Field(primary_key=True, max_length=36)
    number: int = Field(unique=True, description="Order of creation; the cursor of listings.")
    reference: str = Field(unique=True, max_length=40)
    status: str = Field(index=True, max_length=20)
    title: str = Field(max_length=200)
    purpose: str
    country: str = Field(max_length=2, index=True)
    city: str = Field(max_length=100)
    departure_date: date
    return_date: date
    departments: list[str] = Field(sa_column=Column(JSON, nullable=False))
    sdg_goals: list[int] = Field(sa_column=Column(JSON, nullable=False))
    sdg_targets: list[str] = Field(sa_column=Column(JSON, nullable=False))
    created_by: str = Field(max_length=16)
    approved_by: str | None = Field(default=None, max_length=16)
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None = None

    def public_fields(self) -> dict[str, Any]:
        """What may enter the public log about this trip."""
        return {
            "reference": self.reference,
            "title": self.title,
            "purpose": self.purpose,
            "destination": {"country": self.country, "city": self.city},
            "departure_date": self.departure_date.isoformat(),
            "return_date": self.return_date.isoformat(),
            "departments": self.departments,
            "sdg_goals": self.sdg_goals,
            "sdg_targets": self.sdg_targets,
        }
