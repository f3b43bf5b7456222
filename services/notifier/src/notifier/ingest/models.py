"""What ingestion keeps besides the read model: entries waiting for a checkpoint,
the tree verified so far, the log's key rotations followed, what was refused, and how far
the announcements were read."""

from datetime import datetime

from sqlalchemy import JSON, BigInteger, Column, LargeBinary, Text
from sqlmodel import Field

from notifier.registry import NotifierModel
from periplus.cursors import ConsumerOffsetColumns
from periplus.db import BIG_INTEGER


class StagedEntry(NotifierModel, table=True):
    """An announced entry, not yet shown: a hint until a checkpoint commits to its bytes.

    Keyed by index and leaf hash, so a forged announcement cannot push the real
    one out; every candidate for an index waits, and those that differ from
    what the signed tree holds are quarantined.
    """

    __tablename__ = "staged_entry"

    index: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    leaf_hash: bytes = Field(sa_column=Column(LargeBinary, primary_key=True))
    leaf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    origin: str = Field(max_length=200)
    received_at: datetime


class LogRotation(NotifierModel, table=True):
    """A rotation statement of the log's key, signed by both keys, that the notifier
    followed: kept, so that a server that later leaves it out (or a restart) gives the
    retired key back none of its reach, and a second rotation of it is refused."""

    __tablename__ = "log_rotation"

    digest: str = Field(primary_key=True, max_length=64, description="SHA-256 of the statement.")
    statement: str = Field(sa_column=Column(Text, nullable=False))
    followed_at: datetime


class VerifiedTree(NotifierModel, table=True):
    """The prefix of the log this notifier has verified and applied: one row.

    ``edge`` is the compact range (the roots of the perfect subtrees covering
    ``[0, size)``, 32 bytes each), enough to extend the tree and compute its
    root with no other storage; ``checkpoint`` is the signed note that
    committed to it.
    """

    __tablename__ = "verified_tree"

    id: int = Field(default=1, primary_key=True, sa_column_kwargs={"autoincrement": False})
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    edge: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    checkpoint: str = Field(sa_column=Column(Text, nullable=False))
    verified_at: datetime
    signed_size: int = Field(
        default=0, sa_column=Column(BigInteger, nullable=False, server_default="0")
    )
    """The size of the newest checkpoint read that passed the policy: past ``size``,
    the read model lags the ledger."""


class Quarantined(NotifierModel, table=True):
    """Something refused, never shown, listed with the reason for anyone to check.

    ``kind`` is ``announcement`` (a message on the entries topic that is
    unreadable or differs from the signed tree), ``entry`` (an entry inside
    the signed tree whose source signature, type or text is refused, that is not
    its source's next seq, an alarm, or that the read model cannot take) or
    ``checkpoint`` (a checkpoint that fails the trust policy, or that the
    ledger's own entries do not reach). ``digest`` lists each problem once.
    An announcement's bytes are not kept, only their hash and size: anyone who
    can write to the broker can send any, and the public list must not carry
    them for him, nor keep a copy of what the law later withholds.
    """

    __tablename__ = "quarantined"

    # 64-bit, one per refusal; SQLite keeps its INTEGER PRIMARY KEY, the rowid.
    id: int | None = Field(
        default=None,
        sa_column=Column(BIG_INTEGER, primary_key=True, autoincrement=True),
    )
    kind: str = Field(max_length=20)
    ledger_index: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    origin: str = Field(max_length=200)
    reason: str = Field(max_length=1000)
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    # SHA-256 (hex) and length of the bytes refused, kept or not: an announcement's bytes
    # are not kept. The hash is null where the bytes were withheld under law, and on rows
    # listed before it was recorded whose bytes were gone.
    sha256: str | None = Field(default=None, max_length=64)
    size: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    digest: str = Field(max_length=64, unique=True)
    received_at: datetime


class ConsumerOffset(NotifierModel, ConsumerOffsetColumns, table=True):
    """The next announcement to read per partition, committed with what it caused."""

    __tablename__ = "consumer_offset"


class SourceSeq(NotifierModel, table=True):
    """Per source, the last ``seq`` shown, and the seqs it lacks so far that withheld
    entries may hold, with the seqs above it that the ledger's public notices passed: an
    entry shown is its source's next seq, so an older event the ledger appends again, or
    an event after one the ledger dropped, is refused (``notifier.ingest.sequence``).
    ``refused`` counts those refused, an alarm, and ``reason`` says why the last was."""

    __tablename__ = "source_seq"

    source: str = Field(primary_key=True, max_length=127)
    last_seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    lacking: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    passed: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    refused: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    reason: str = Field(default="", max_length=1000)
    released: int = Field(default=0, sa_column=Column(BigInteger, nullable=False))
    """Of ``refused``, those shown since by a decision of this site's operator (``GapAccepted``)."""


class GapAccepted(NotifierModel, table=True):
    """A decision of this site's operator, shown on ``/notices``: the ledger's log, as
    verified, jumps past ``source``'s seqs after ``after_seq`` up to ``next_seq`` with no
    public notice that explains it, and this site shows the source's later entries again
    (``notifier.ingest.gaps``). ``first_index`` is the ledger index of the first entry
    shown again, ``released`` how many were. A source is held after a seq once at most."""

    __tablename__ = "gap_accepted"

    source: str = Field(primary_key=True, max_length=127)
    after_seq: int = Field(sa_column=Column(BigInteger, primary_key=True, autoincrement=False))
    next_seq: int = Field(sa_column=Column(BigInteger, nullable=False))
    first_index: int = Field(sa_column=Column(BigInteger, nullable=False))
    released: int = Field(sa_column=Column(BigInteger, nullable=False))
    reason: str = Field(max_length=1000)
    decided_at: datetime
