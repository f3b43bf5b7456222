from datetime import datetime

from sqlalchemy import Column, Text
from sqlmodel import Field

from trips_api.models import TripsModel


class IdempotencyRecord(TripsModel, table=True):
    """The answer given to one (API key, Idempotency-Key), stored with the change it made."""

    __tablename__ = "idempotency_record"

    key_id: str = Field(primary_key=True, max_length=16)
    idempotency_key: str = Field(primary_key=True, max_length=200)
    fingerprint: str = Field(max_length=64)
    status: int
    body: str = Field(sa_column=Column(Text, nullable=False))
    etag: str | None = Field(default=None, max_length=80)
    location: str | None = Field(default=None, max_length=200)
    created_at: datetime
