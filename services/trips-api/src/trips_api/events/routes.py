from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import PlainTextResponse
from pydantic import BaseModel, Field

from periplus.openapi import problems
from trips_api.deps import Reader, SessionDep
from trips_api.events import service
from trips_api.state import SettingsDep

router = APIRouter(prefix="/v1/events", tags=["events"])


class Withheld(BaseModel):
    seq: int
    reason: str
    legal_basis: str
    notice_index: int = Field(description="The ledger entry of the public notice.")


class EventPage(BaseModel):
    events: list[dict[str, Any]] = Field(description="Each event, as its source signed it.")
    withheld: list[Withheld] = Field(
        default=[],
        description="Events in this range whose bytes are withheld under law (not served).",
    )
    last_seq: int


@router.get(
    "",
    summary="Public events after a sequence number (catch-up)",
    description=(
        "Every public event of this source with `seq` greater than `after`, in `seq` order. "
        "The ledger reads this to fill any gap that the broker left. Anonymous reads are "
        "rate limited like every other read."
    ),
    responses=problems({429: "Anonymous reads too fast; `Retry-After` says when"}),
)
def list_events(
    session: SessionDep,
    _reader: Reader,
    after: Annotated[int, Query(ge=0, le=2**53)] = 0,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> EventPage:
    rows = service.after(session, after, limit)
    held = service.withheld(session, [e.seq for e in rows if not e.envelope])
    return EventPage(
        events=[service.decode(e) for e in rows if e.envelope],
        withheld=[
            Withheld(
                seq=w.seq,
                reason=w.reason,
                legal_basis=w.legal_basis,
                notice_index=w.notice_index,
            )
            for w in held
        ],
        last_seq=rows[-1].seq if rows else after,
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
def events_key(settings: SettingsDep) -> str:
    return f"{settings.signer.verifier}\n"
