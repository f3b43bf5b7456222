"""The event store, which is also the outbox: every public fact, gapless by ``seq``.

Sequence numbers are 64-bit (``bigint`` on PostgreSQL): a source outgrows 2^31 events.
"""

from datetime import datetime

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field

from periplus.cursors import RelayCursorColumns
from periplus.db import BIG_INTEGER
from trips_api.models import TripsModel


class Event(TripsModel, table=True):
    """One public event; gapless ``seq`` makes this table the outbox too."""

    __tablename__ = "event"

    seq: int = Field(
        primary_key=True, sa_type=BIG_INTEGER, sa_column_kwargs={"autoincrement": False}
    )
    id: str = Field(unique=True, max_length=36)
    type: str = Field(max_length=40)
    trip_id: str = Field(max_length=36)
    occurred_at: str = Field(max_length=32)
    envelope: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class RelayCursor(TripsModel, RelayCursorColumns, table=True):
    """The last ``seq`` the broker acknowledged, per topic: the outbox relay's place."""

    __tablename__ = "relay_cursor"


class Counter(TripsModel, table=True):
    """Named gapless counters, advanced under the row lock of their transaction."""

    __tablename__ = "counter"

    name: str = Field(primary_key=True, max_length=40)
    value: int = Field(default=0, sa_type=BIG_INTEGER)


class WithheldEvent(TripsModel, table=True):
    """An event whose bytes are withheld under law, as the ledger's public notice says.

    Its row in ``event`` keeps its place and loses its bytes, so the catch-up
    endpoint stops serving what the ledger no longer publishes.
    """

    __tablename__ = "withheld_event"

    seq: int = Field(
        primary_key=True, sa_type=BIG_INTEGER, sa_column_kwargs={"autoincrement": False}
    )
    reason: str
    legal_basis: str
    notice_index: int = Field(
        sa_type=BIG_INTEGER, description="The ledger entry of the public notice."
    )
    withheld_at: datetime
