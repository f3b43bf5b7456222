"""Where a service stands in a stream, kept as a row in the service's own database.

Each service declares its own table (in its own metadata, made by its own
migrations) from these columns, so the relay (``periplus.outbox``) and the
consumer loop (``periplus.consumer``) read the same shape in every service.
A service's table class names its registry's base first, then these columns:
``class RelayCursor(LedgerModel, RelayCursorColumns, table=True)``.

Positions and offsets are 64-bit (``bigint`` on PostgreSQL): an outbox or a topic
outgrows 2^31 as the log it carries does.
"""

from sqlmodel import Field, SQLModel

from periplus.db import BIG_INTEGER


class RelayCursorColumns(SQLModel):
    """The last position of an outbox that the broker acknowledged, per topic."""

    topic: str = Field(primary_key=True, max_length=128)
    position: int = Field(sa_type=BIG_INTEGER)


class ConsumerOffsetColumns(SQLModel):
    """The next offset to read per topic and partition, committed with its effects."""

    topic: str = Field(primary_key=True, max_length=128)
    partition: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    offset: int = Field(sa_type=BIG_INTEGER)
