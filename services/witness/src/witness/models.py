"""The witness's tables, in a metadata of its own."""

from datetime import datetime

from sqlalchemy import BigInteger, Column, LargeBinary
from sqlalchemy.orm import registry
from sqlmodel import Field, SQLModel


class WitnessModel(SQLModel, registry=registry()):
    """Base of every witness table."""


class LogState(WitnessModel, table=True):
    """The latest checkpoint cosigned for one log: all a witness must remember."""

    __tablename__ = "log_state"

    origin: str = Field(primary_key=True)
    origin_hash: str = Field(
        max_length=64, unique=True, description="Lowercase hex SHA-256 of the origin."
    )
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    root: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    note: str = Field(description="The checkpoint with the log's and this witness's signatures.")
    updated_at: datetime


class Evidence(WitnessModel, table=True):
    """A validly signed checkpoint refused as inconsistent: a possible fork of the log."""

    __tablename__ = "evidence"

    id: int | None = Field(default=None, primary_key=True)
    digest: str = Field(
        max_length=64, unique=True, description="SHA-256 of the checkpoint, kept once."
    )
    origin: str = Field(index=True)
    size: int = Field(sa_column=Column(BigInteger, nullable=False))
    kind: str = Field(
        max_length=16,
        description="fork (a second root for a size), empty-root, or unproven (a failed proof).",
    )
    reason: str
    submission: str = Field(description="The add-checkpoint request body, as received.")
    cosigned: str | None = Field(
        default=None, description="The witness's latest cosigned checkpoint at the time."
    )
    received_at: datetime
