"""The ledger's tables, in a metadata of its own."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, Index, LargeBinary, UniqueConstraint
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class LedgerModel(SQLModel, registry=registry()):
    """Base of every ledger table."""


class Entry(LedgerModel, table=True):
    """One appended leaf: the canonical bytes of one event, never changed."""

    __tablename__ = "entry"
    __table_args__ = (UniqueConstraint("source", "seq"),)

    index: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    event_id: str = Field(unique=True, max_length=36)
    source: str = Field(max_length=128, index=True)
    seq: int
    type: str = Field(max_length=40, index=True)
    trip_id: str = Field(max_length=36, index=True)
    occurred_at: str = Field(max_length=32, index=True)
    leaf: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    appended_at: datetime


class TripTag(LedgerModel, table=True):
    """A department or SDG goal a trip involves, from its snapshots: for auditors' queries."""

    __tablename__ = "trip_tag"

    trip_id: str = Field(primary_key=True, max_length=36)
    kind: str = Field(primary_key=True, max_length=16, description="department or sdg")
    value: str = Field(primary_key=True, max_length=200, index=True)


class Withholding(LedgerModel, table=True):
    """An entry whose bytes are withheld under law; its leaf hash stays in the tree."""

    __tablename__ = "withholding"

    index: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    reason: str
    legal_basis: str
    notice_index: int = Field(description="The public entry that announced the withholding.")
    withheld_at: datetime


class Node(LedgerModel, table=True):
    """The hash of a perfect subtree: leaves ``[index << level, (index + 1) << level)``."""

    __tablename__ = "node"

    level: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    index: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class SourceState(LedgerModel, table=True):
    """The last ``seq`` appended from each source."""

    __tablename__ = "source_state"

    source: str = Field(primary_key=True, max_length=128)
    last_seq: int = 0


class SignedCheckpoint(LedgerModel, table=True):
    __tablename__ = "checkpoint"

    size: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    note: str
    signed_at: datetime
    witnessed: str | None = Field(
        default=None,
        description="The note with every cosignature collected, once they meet the quorum.",
    )


class Cosignature(LedgerModel, table=True):
    """A witness's cosignature of a checkpoint: the signature line it answered."""

    __tablename__ = "cosignature"

    size: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    witness: str = Field(primary_key=True, max_length=200, description="Its name in the policy.")
    line: str
    timestamp: int = Field(sa_column=Column(BigInteger, nullable=False))


class WitnessState(LedgerModel, table=True):
    """The size each witness last cosigned, and what went wrong last, if anything."""

    __tablename__ = "witness_state"

    witness: str = Field(primary_key=True, max_length=200)
    size: int
    checked_at: datetime
    problem: str | None = None


class RelayCursor(LedgerModel, table=True):
    """The last entry announced on ``ledger.entries.v1``: the log is its own outbox."""

    __tablename__ = "relay_cursor"

    topic: str = Field(primary_key=True, max_length=128)
    position: int


class ConsumerOffset(LedgerModel, table=True):
    __tablename__ = "consumer_offset"

    topic: str = Field(primary_key=True, max_length=128)
    partition: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    offset: int


class Quarantined(LedgerModel, table=True):
    """An event that was refused, kept with the reason, for auditors to see.

    ``source`` and ``seq`` are what the event claims, where it can be read: a
    refused event at a source's next ``seq`` holds that source back until the
    real one comes or an operator resolves it in public.
    """

    __tablename__ = "quarantine"
    __table_args__ = (Index("ix_quarantine_source_seq", "source", "seq"),)

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime
    origin: str = Field(
        max_length=200, description="Where it came from: topic/partition/offset or URL."
    )
    reason: str
    raw: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    source: str | None = Field(default=None, max_length=128)
    seq: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))


class KeyRotation(LedgerModel, table=True):
    """A change of signing key, stated in a note signed by the old and the new key."""

    __tablename__ = "key_rotation"

    id: int | None = Field(default=None, primary_key=True)
    old_key: str = Field(description="Verifier key string of the retired key.")
    new_key: str = Field(description="Verifier key string of the key that signs from now on.")
    tree_size: int = Field(description="The size of the last checkpoint the old key signed.")
    statement: str = Field(description="The signed note, with both signatures.")
    rotated_at: datetime
