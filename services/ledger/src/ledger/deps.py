from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from ledger import state
from periplus import db


def get_session(request: Request) -> Iterator[Session]:
    """A session for one request. The ledger's HTTP interface only reads, so on
    SQLite its requests do not queue behind the batch being appended."""
    with (
        db.reading(state.of(request.app).engine) as connection,
        Session(bind=connection) as session,
    ):
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
