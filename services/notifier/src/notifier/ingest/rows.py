"""Inserts that skip rows whose key is taken, in one statement on either database."""

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlmodel import Session


def insert_new(session: Session, model: Any) -> PostgresInsert | SqliteInsert:
    """``INSERT ... ON CONFLICT DO NOTHING`` for ``model``: a redelivered row is no error."""
    if session.get_bind().dialect.name == "postgresql":
        return postgresql.insert(model).on_conflict_do_nothing()
    return sqlite.insert(model).on_conflict_do_nothing()
