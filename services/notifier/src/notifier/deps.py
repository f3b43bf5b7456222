from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from notifier import state
from periplus import db


def get_session(request: Request) -> Iterator[Session]:
    with Session(state.of(request.app).engine) as session:
        yield session


def get_reading(request: Request) -> Iterator[Session]:
    """A session for a request that only reads: on SQLite it does not queue behind the
    ingestor and the webhook worker for the write lock."""
    with db.reading(state.of(request.app).engine) as connection, Session(connection) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
ReadingDep = Annotated[Session, Depends(get_reading)]
