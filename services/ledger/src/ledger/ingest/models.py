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


class MissingSeq(LedgerModel, table=True):
    """A source's next ``seq`` that never came while later ones did: neither the broker
    nor the source's catch-up endpoint gave it. ``denied_at``: when the source answered,
    asked for it, with what follows it instead (it does not have it)."""

    __tablename__ = "missing_seq"

    source: str = Field(primary_key=True, max_length=128)
    seq: int = Field(sa_type=BIG_INTEGER)
    since: datetime
    denied_at: datetime | None = Field(default=None)


class ResolutionRequest(LedgerModel, table=True):
    """An operator's ``ledger resolve`` made while another process is the writer, which
    applies it in its next ingest round: ``notice_index`` where it did, or ``refused`` why not."""

    __tablename__ = "resolution_request"

    id: int | None = Field(
        default=None, sa_column=Column(BIG_INTEGER, primary_key=True, autoincrement=True)
    )
    source: str = Field(max_length=128)
    seq: int = Field(sa_type=BIG_INTEGER)
    reason: str
    requested_at: datetime
    note: str = Field(default="", description="the request, signed with the log key")
    done_at: datetime | None = Field(default=None, index=True)
    notice_index: int | None = Field(default=None, sa_type=BIG_INTEGER)
    refused: str | None = Field(default=None)
