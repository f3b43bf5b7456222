from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from trips_api.deps import SessionDep
from trips_api.events import service

router = APIRouter(prefix="/v1/events", tags=["events"])


class EventPage(BaseModel):
    events: list[dict[str, Any]]
    last_seq: int


@router.get(
    "",
    summary="Public events after a sequence number (catch-up)",
    description=(
        "Every public event of this source with `seq` greater than `after`, in `seq` order. "
        "The ledger reads this to fill any gap that the broker left."
    ),
)
def list_events(
    session: SessionDep,
    after: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventPage:
    rows = service.after(session, after, limit)
    return EventPage(
        events=[service.decode(e) for e in rows], last_seq=rows[-1].seq if rows else after
    )
