"""The notifier's public read model, built only from ledger entries."""

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Column, Index
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class NotifierModel(SQLModel, registry=registry()):
    """Base of every notifier table."""


class LoggedEntry(NotifierModel, table=True):
    """One ledger entry as the public sees it; the ledger index makes it provable."""

    __tablename__ = "logged_entry"

    index: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    trip_id: str = Field(max_length=36, index=True)
    type: str = Field(max_length=40)
    occurred_at: str = Field(max_length=32)
    event: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    received_at: datetime


class TripView(NotifierModel, table=True):
    """A trip's current public state, folded from its entries."""

    __tablename__ = "trip_view"

    trip_id: str = Field(primary_key=True, max_length=36)
    reference: str = Field(max_length=40)
    title: str = Field(max_length=200)
    status: str = Field(max_length=20, index=True)
    departure_date: str = Field(max_length=10, index=True)
    data: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    last_index: int = Field(index=True)
    updated_at: str = Field(max_length=32)


class ConsumerOffset(NotifierModel, table=True):
    __tablename__ = "consumer_offset"

    topic: str = Field(primary_key=True, max_length=128)
    partition: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    offset: int


class TripFacet(NotifierModel, table=True):
    """One way to find a trip (department, SDG goal, country, traveller), for filters and feeds."""

    __tablename__ = "trip_facet"
    __table_args__ = (Index("ix_trip_facet_kind_value", "kind", "value"),)

    trip_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(primary_key=True, max_length=20)
    value: str = Field(primary_key=True, max_length=120)
