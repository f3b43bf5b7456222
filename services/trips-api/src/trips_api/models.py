"""The metadata of trips-api's own database, apart from every other service's."""

from sqlalchemy.orm import registry
from sqlmodel import SQLModel


class TripsModel(SQLModel, registry=registry()):
    """Base of every trips-api table."""
