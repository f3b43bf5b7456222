"""The log's tables: entries, the tree's nodes, signed checkpoints, withholdings and key
rotations; the log is its own outbox, so the relay's cursor is here too.

Indices, sizes and sequence numbers are 64-bit (``bigint`` on PostgreSQL): a log
outgrows 2^31 entries. On SQLite, INTEGER holds 64 bits already.
"""

from datetime import datetime

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field

from ledger.registry import LedgerModel
from periplus.cursors import RelayCursorColumns
from periplus.db import BIG_INTEGER


class Entry(LedgerModel, table=True):
    """One appended leaf: the canonical bytes of one event, never changed."""

    __tablename__ = "entry"
    # An event id is its source's: another source that takes it keeps nothing out.
    __table_args__ = (
        UniqueConstraint("source", "seq"),
        UniqueConstraint("source", "event_id", name="uq_entry_source_event_id"),
    )

    index: int = Field(
        primary_key=True, sa_type=BIG_INTEGER, sa_column_kwargs={"autoincrement": False}
    )
    event_id: str = Field(index=True, max_length=36)
    source: str = Field(max_length=128, index=True)
    seq: int = Field(sa_type=BIG_INTEGER)
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

    index: int = Field(
        primary_key=True, sa_type=BIG_INTEGER, sa_column_kwargs={"autoincrement": False}
    )
    reason: str
    legal_basis: str
    notice_index: int = Field(
        sa_type=BIG_INTEGER, description="The public entry that announced the withholding."
    )
    withheld_at: datetime


class Node(LedgerModel, table=True):
    """The hash of a perfect subtree: leaves ``[index << level, (index + 1) << level)``."""

    __tablename__ = "node"

    level: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    index: int = Field(
        primary_key=True, sa_type=BIG_INTEGER, sa_column_kwargs={"autoincrement": False}
    )
    hash: bytes = Field(sa_column=Column(LargeBinary, nullable=False))


class SignedCheckpoint(LedgerModel, table=True):
    __tablename__ = "checkpoint"

    size: int = Field(
        primary_key=True, sa_type=BIG_INTEGER, sa_column_kwargs={"autoincrement": False}
    )
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    note: str
    signed_at: datetime
    witnessed: str | None = Field(
        default=None,
        description="The note with every cosignature collected, once they meet the quorum.",
    )


class KeyRotation(LedgerModel, table=True):
    """A change of signing key, stated in a note signed by the old and the new key."""

    __tablename__ = "key_rotation"

    id: int | None = Field(default=None, primary_key=True)
    old_key: str = Field(description="Verifier key string of the retired key.")
    new_key: str = Field(description="Verifier key string of the key that signs from now on.")
    tree_size: int = Field(
        sa_type=BIG_INTEGER, description="The size of the last checkpoint the old key signed."
    )
    statement: str = Field(description="The signed note, with both signatures.")
    rotated_at: datetime


class RelayCursor(LedgerModel, RelayCursorColumns, table=True):
    """The last entry announced on ``ledger.entries.v1``: the log is its own outbox."""

    __tablename__ = "relay_cursor"
