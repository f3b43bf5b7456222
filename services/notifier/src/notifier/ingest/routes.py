"""The public list of what was refused and never shown, with the reason for each."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlmodel import col, select

from notifier.deps import ReadingDep
from notifier.ingest.models import Quarantined

router = APIRouter(prefix="/v1/quarantine", tags=["quarantine"])

MAX_PAGE = 100


class QuarantinedOut(BaseModel):
    id: int
    kind: str = Field(
        description="`announcement`: a message on the entries topic that is unreadable or "
        "differs from the signed tree; `entry`: an entry of the signed tree whose source "
        "signature, type or text is refused, or that the read model cannot take; "
        "`checkpoint`: a checkpoint that fails the trust policy or that the ledger's own "
        "entries do not reach."
    )
    ledger_index: int | None
    origin: str = Field(description="Where it came from: topic/partition/offset, or a URL.")
    reason: str
    raw: str | None = Field(
        description="The refused bytes, as UTF-8 (invalid bytes replaced); null where they "
        "are not kept: an announcement's (anyone who can write to the broker can send any), "
        "or bytes withheld under law."
    )
    sha256: str | None = Field(
        description="SHA-256 (hex) of the refused bytes, kept or not, to match a copy against; "
        "null where they were withheld under law."
    )
    size: int | None = Field(description="How many bytes were refused.")
    received_at: datetime


class QuarantinePage(BaseModel):
    items: list[QuarantinedOut]
    next_cursor: int | None = Field(
        description="Pass as `after` for the next page; null at the end."
    )


@router.get("", summary="What was refused and never shown, with the reason, oldest first")
def listing(
    session: ReadingDep,
    after: Annotated[int, Query(ge=0, le=2**53)] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_PAGE)] = MAX_PAGE,
) -> QuarantinePage:
    rows = session.exec(
        select(Quarantined)
        .where(col(Quarantined.id) > after)
        .order_by(col(Quarantined.id))
        .limit(limit)
    ).all()
    return QuarantinePage(
        items=[
            QuarantinedOut(
                id=row.id or 0,
                kind=row.kind,
                ledger_index=row.ledger_index,
                origin=row.origin,
                reason=row.reason,
                raw=row.raw.decode("utf-8", errors="replace") if row.raw else None,
                sha256=row.sha256,
                size=row.size,
                received_at=row.received_at,
            )
            for row in rows
        ],
        next_cursor=rows[-1].id if len(rows) == limit else None,
    )
