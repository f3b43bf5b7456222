"""What the witnesses cosigned, and when each was last asked."""

from datetime import datetime

from sqlalchemy import BigInteger, Column
from sqlmodel import Field

from ledger.registry import LedgerModel
from periplus.db import BIG_INTEGER


class Cosignature(LedgerModel, table=True):
    """A witness's cosignature of a checkpoint: the signature line it answered."""

    __tablename__ = "cosignature"

    size: int = Field(
        primary_key=True, sa_type=BIG_INTEGER, sa_column_kwargs={"autoincrement": False}
    )
    witness: str = Field(primary_key=True, max_length=200, description="Its name in the policy.")
    line: str
    timestamp: int = Field(sa_column=Column(BigInteger, nullable=False))


class WitnessState(LedgerModel, table=True):
    """The size each witness last cosigned, and what went wrong last, if anything."""

    __tablename__ = "witness_state"

    witness: str = Field(primary_key=True, max_length=200)
    size: int = Field(sa_type=BIG_INTEGER)
    checked_at: datetime
    problem: str | None = None
