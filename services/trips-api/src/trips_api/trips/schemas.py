"""What clients send and receive; unknown fields are refused."""

import uuid
from datetime import date, datetime
from typing import Annotated, Self

import pycountry
from periplus import sdg
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    field_validator,
    model_validator,
)

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

EXAMPLE = {
    "title": "UCLG World Summit: local action on the SDGs",
    "purpose": (
        "Present the city's urban mobility plan in the session on sustainable transport, "
        "and negotiate a technical cooperation agreement on bus electrification."
    ),
    "country": "KR",
    "city": "Daejeon",
    "departure_date": "2027-03-08",
    "return_date": "2027-03-13",
    "departments": ["International Relations", "Mobility"],
    "sdg_goals": [11, 17],
    "sdg_targets": ["11.2", "17.17"],
}


class TripCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    title: Text
    purpose: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=5000)]
    country: str = Field(description="ISO 3166-1 alpha-2 code of the destination.")
    city: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    departure_date: date
    return_date: date
    departments: list[Text] = Field(min_length=1, max_length=20)
    sdg_goals: list[int] = Field(default_factory=list, max_length=17)
    sdg_targets: list[str] = Field(default_factory=list, max_length=169)

    @field_validator("country")
    @classmethod
    def _country(cls, value: str) -> str:
        value = value.upper()
        if len(value) != 2 or pycountry.countries.get(alpha_2=value) is None:
            raise ValueError("not an ISO 3166-1 alpha-2 country code")
        return value

    @field_validator("sdg_goals")
    @classmethod
    def _goals(cls, value: list[int]) -> list[int]:
        wrong = [g for g in value if not sdg.is_goal(g)]
        if wrong:
            raise ValueError(f"SDG goals are 1 to 17, not {wrong}")
        return sorted(set(value))

    @field_validator("sdg_targets")
    @classmethod
    def _targets(cls, value: list[str]) -> list[str]:
        wrong = [t for t in value if not sdg.is_target(t)]
        if wrong:
            raise ValueError(f"not SDG targets: {wrong}")
        return sorted(set(value), key=sdg.TARGETS.index)

    @model_validator(mode="after")
    def _dates(self) -> Self:
        if self.return_date < self.departure_date:
            raise ValueError("return_date is before departure_date")
        return self


class TripPublic(BaseModel):
    id: uuid.UUID
    reference: str
    status: str
    title: str
    purpose: str
    country: str
    city: str
    departure_date: date
    return_date: date
    departments: list[str]
    sdg_goals: list[int]
    sdg_targets: list[str]
    created_at: datetime
    updated_at: datetime
    approved_at: datetime | None


class TripPage(BaseModel):
    trips: list[TripPublic]
    next_cursor: str | None = Field(
        description="Pass as `cursor` for the next page; null at the end."
    )
