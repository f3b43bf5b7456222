"""The SQL registry every table of the notifier belongs to, apart from other services'."""

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class NotifierModel(SQLModel, registry=registry()):
    """Base of every notifier table."""
