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
    real one comes or an operator resolves it in public. ``sha256`` and ``size`` are
    of the whole message, of which ``raw`` may keep only a prefix; ``signed`` says
    whether the source it names signed it, as found when it was refused (unknown for
    rows from before: counted as unsigned against ``LEDGER_QUARANTINE_UNSIGNED_ROWS``).
    """

    __tablename__ = "quarantine"
    __table_args__ = (
        Index("ix_quarantine_source_seq", "source", "seq"),
        Index("ix_quarantine_sha256", "sha256"),
    )

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
    sha256: str | None = Field(default=None, max_length=64)
    size: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    signed: bool | None = Field(default=None)
