"""The SQL registry every table of the ledger belongs to, apart from other services'."""

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class LedgerModel(SQLModel, registry=registry()):
    """Base of every ledger table."""
