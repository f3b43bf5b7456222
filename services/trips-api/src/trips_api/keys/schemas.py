"""API keys as administrators create and see them; the secret is shown once."""

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from trips_api.fields import Name

KeyName = Annotated[Name, StringConstraints(max_length=100)]
"""A key's name, as long as its column holds."""

Scope = Literal["trips:read-private", "trips:write", "trips:approve", "trips:report", "admin"]


class KeyCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "name": "Finance system",
                    "holder": "Finance department",
                    "scopes": ["trips:write", "trips:report"],
                }
            ]
        },
    )

    name: KeyName
    holder: Name | None = Field(
        default=None,
        description="The person or office answerable for the key; the creating admin's own "
        "holder if unset. Four eyes compares holders, not keys.",
    )
    scopes: list[Scope] = Field(min_length=1, max_length=5)


class KeyPublic(BaseModel):
    id: str = Field(description="The key's public prefix: `pk_<id>_...`.")
    name: str
    holder: str
    scopes: list[str]
    created_at: datetime
    created_by: str | None
    revoked_at: datetime | None
    revoked_by: str | None


class KeyCreated(KeyPublic):
    key: str | None = Field(
        description="The key itself, shown once. A replay of the same Idempotency-Key "
        "answers with null here: the secret is never stored."
    )


class KeyList(BaseModel):
    keys: list[KeyPublic]
