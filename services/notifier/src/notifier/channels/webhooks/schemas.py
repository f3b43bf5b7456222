"""What webhook clients send and receive; unknown fields are refused."""

import uuid
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

from notifier.channels.filters import NOTICE_TYPES
from notifier.channels.webhooks.addresses import check_syntax

Department = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]

EXAMPLE: dict[str, Any] = {
    "url": "https://newsroom.example.org/hooks/periplus",
    "description": "Mobility desk",
    "departments": ["Mobility"],
    "sdg_goals": [11],
    "types": ["trip.approved", "trip.reported", "alert.report_overdue"],
}


class SubscriptionCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [EXAMPLE]})

    url: str = Field(max_length=2000, description="The receiver: an https:// (or http://) URL.")
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    trip_ids: list[uuid.UUID] = Field(default_factory=list, max_length=100)
    departments: list[Department] = Field(default_factory=list, max_length=50)
    sdg_goals: list[int] = Field(default_factory=list, max_length=17)
    types: list[str] = Field(
        default_factory=list,
        max_length=20,
        description="Event types (`trip.approved`...) and alert types (`alert.report_overdue`, "
        "`alert.followup_missed`); empty means all.",
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return check_syntax(value.strip())

    @field_validator("sdg_goals")
    @classmethod
    def _goals(cls, value: list[int]) -> list[int]:
        wrong = [g for g in value if not 1 <= g <= 17]
        if wrong:
            raise ValueError(f"SDG goals are 1 to 17, not {wrong}")
        return sorted(set(value))

    @field_validator("types")
    @classmethod
    def _types(cls, value: list[str]) -> list[str]:
        wrong = sorted(set(value) - NOTICE_TYPES)
        if wrong:
            raise ValueError(f"unknown types {wrong}; known: {sorted(NOTICE_TYPES)}")
        return sorted(set(value))


class SubscriptionPublic(BaseModel):
    id: str
    url: str
    description: str
    trip_ids: list[str]
    departments: list[str]
    sdg_goals: list[int]
    types: list[str]
    status: str
    created_at: datetime


class SubscriptionCreated(SubscriptionPublic):
    secret: str = Field(description="`whsec_...`: verifies signatures. Shown only now.")
    token: str | None = Field(
        description="`whtok_...`: manages this subscription as `Authorization: Bearer`. "
        "Shown only now; null when the request already carried a token, which now manages "
        "this subscription too."
    )


class SubscriptionList(BaseModel):
    subscriptions: list[SubscriptionPublic]


class SecretRotated(BaseModel):
    secret: str = Field(description="The new `whsec_...` secret. Shown only now.")
    previous_secret_valid_until: datetime = Field(
        description="Until then each delivery carries a signature with the old secret too."
    )


class AttemptPublic(BaseModel):
    number: int
    at: datetime
    status_code: int | None
    error: str | None
    duration_ms: int


class DeliveryPublic(BaseModel):
    id: str = Field(description="The `webhook-id` header of every attempt.")
    type: str
    status: str = Field(description="`pending`, `delivered` or `dead` (the dead-letter list).")
    ledger_index: int | None
    attempts: int
    created_at: datetime
    next_attempt_at: datetime | None
    retry_until: datetime = Field(
        description="About when the last retry on the schedule is due; after it, a failure "
        "is final."
    )
    delivered_at: datetime | None
    last_status: int | None
    last_error: str | None


class DeliveryDetail(DeliveryPublic):
    log: list[AttemptPublic]


class DeliveryPage(BaseModel):
    deliveries: list[DeliveryPublic]
    next_cursor: str | None = Field(description="Pass as `before` for older ones; null at the end.")
