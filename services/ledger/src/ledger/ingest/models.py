"""What ingestion keeps: each source's progress, the broker offsets, refused events."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, LargeBinary
from sqlmodel import Field

from ledger.registry import LedgerModel
from periplus.cursors import ConsumerOffsetColumns
from periplus.db import BIG_INTEGER


class SourceState(LedgerModel, table=True):
    """The last ``seq`` appended from each source."""

    __tablename__ = "source_state"

    source: str = Field(primary_key=True, max_length=128)
    last_seq: int = Field(default=0, sa_type=BIG_INTEGER)


class ConsumerOffset(LedgerModel, ConsumerOffsetColumns, table=True):
    """The next event to read per partition, committed with the entries it appended."""

    __tablename__ = "consumer_offset"


class Quarantined(LedgerModel, table=True):
    """An event that was refused, kept with the reason, for auditors to see.

    ``source`` and ``seq`` are what the event claims, where it can be read: a
    refused event at a source's next ``seq`` holds that source back until the
    real one comes or an operator resolves it in public.
    """

    __tablename__ = "quarantine"
    __table_args__ = (Index("ix_quarantine_source_seq", "source", "seq"),)

    # 64-bit where refusals may outnumber 2^31; SQLite keeps its INTEGER PRIMARY KEY, the rowid.
    id: int | None = Field(
        default=None,
        sa_column=Column(BIG_INTEGER, primary_key=True, autoincrement=True),
    )
    received_at: datetime
    origin: str = Field(
        max_length=200, description="Where it came from: topic/partition/offset or URL."
    )
    reason: str
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    source: str | None = Field(default=None, max_length=128)
    seq: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
