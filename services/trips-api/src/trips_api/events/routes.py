from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
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


@router.get(
    "/key",
    response_class=PlainTextResponse,
    summary="The verifier key that signs this source's events",
    description=(
        "The C2SP verifier key (`<source>+<key id>+<base64 key>`) of the Ed25519 key that "
        "signs every event's `sig`. Readers pin it in their own configuration; fetching it "
        "from here is only for comparing with what was published elsewhere."
    ),
)
def events_key(request: Request) -> str:
    return f"{request.app.state.settings.signer.verifier}\n"
