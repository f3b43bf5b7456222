from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from notifier import state


def get_session(request: Request) -> Iterator[Session]:
    with Session(state.of(request.app).engine) as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
