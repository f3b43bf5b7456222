"""Auditors' queries: filtered entries, a trip's entries with proofs, a full export."""

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Annotated

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse
from pydantic import BaseModel, Field
from sqlmodel import Session

from ledger import state
from ledger.audit import repository
from ledger.cosigning import service as cosigning
from ledger.deps import SessionDep
from ledger.log import repository as log_repository
from ledger.log.entries import json_line, json_response, log_entries
from ledger.log.repository import NodeStore
from ledger.log.schemas import LogEntry, b64
from periplus import merkle
from periplus.errors import NotFoundError, UnavailableError

router = APIRouter(prefix="/v1/audit", tags=["audit"])

PAGE = 1000


class Found(BaseModel):
    entries: list[LogEntry]
    next_after: int | None = Field(
        description="Pass as `after` for the next page; null when there is no more."
    )


class ProvenEntry(LogEntry):
    proof: list[str] = Field(description="Inclusion proof in `tree_size` (base64 hashes).")


class TripProofs(BaseModel):
    trip_id: str
    tree_size: int
    root: str
    checkpoint: str = Field(description="The signed note every proof verifies against.")
    entries: list[ProvenEntry]


@router.get(
    "/entries",
    summary="Entries by trip, source, type, department, SDG goal or date",
    response_model=Found,
)
def search(
    session: SessionDep,
    trip_id: uuid.UUID | None = None,
    source: Annotated[str | None, Query(max_length=128)] = None,
    type: Annotated[str | None, Query(max_length=40)] = None,
    department: Annotated[str | None, Query(max_length=200)] = None,
    sdg: Annotated[int | None, Query(ge=1, le=17)] = None,
    since: Annotated[date | None, Query(description="occurred on or after (UTC)")] = None,
    until: Annotated[date | None, Query(description="occurred on or before (UTC)")] = None,
    after: Annotated[int, Query(ge=-1, le=2**53)] = -1,
    limit: Annotated[int, Query(ge=1, le=PAGE)] = 100,
) -> Response:
    filters = repository.Filters(trip_id, source, type, department, sdg, since, until)
    rows = repository.search(session, filters, after, limit)
    return json_response(
        {
            "entries": log_entries(session, rows),
            "next_after": rows[-1][0] if len(rows) == limit else None,
        }
    )


@router.get(
    "/trips/{trip_id}",
    summary="Every entry of a trip with its inclusion proof against one signed checkpoint",
    description="Each proof shows that its entry is in the log; none shows that the list is "
    "whole, since the ledger chooses which entries it names here. That a trip's timeline "
    "misses nothing is shown only by reading the whole log (`ledger verify`, the export), "
    "where every `seq` of every source is accounted for.",
    response_model=TripProofs,
)
def trip_proofs(
    request: Request,
    session: SessionDep,
    trip_id: uuid.UUID,
    tree_size: Annotated[
        int | None, Query(ge=1, le=2**53, description="a signed size; else the latest")
    ] = None,
) -> Response:
    policy = state.of(request.app).policy
    if tree_size is None:
        signed = cosigning.served(session, policy)
    else:
        signed = log_repository.checkpoint(session, tree_size)
    if signed is None or (policy is not None and signed.witnessed is None):
        raise NotFoundError("No checkpoint of that size to rely on.")
    rows = repository.trip_entries(session, trip_id, signed.size, PAGE)
    if not rows:
        raise NotFoundError(f"No entry of trip {trip_id} in that checkpoint.")
    ranges = {index: merkle.inclusion_ranges(index, signed.size) for index, _ in rows}
    wanted = {n for rs in ranges.values() for a, b in rs for n in merkle.range_nodes(a, b)}
    found = NodeStore(session).get_nodes(wanted)
    proven = [
        {
            **entry,
            "proof": [
                b64(merkle.fold([found[n] for n in merkle.range_nodes(a, b)]))
                for a, b in ranges[entry["index"]]
            ],
        }
        for entry in log_entries(session, rows)
    ]
    return json_response(
        {
            "trip_id": str(trip_id),
            "tree_size": signed.size,
            "root": b64(signed.root),
            "checkpoint": cosigning.served_note(signed, policy),
            "entries": proven,
        }
    )


@router.get(
    "/export.jsonl",
    summary="The log up to the checkpoint to rely on, as JSON Lines, streamed",
    description=(
        'The first line is `{"checkpoint": <signed note>, "tree_size": N}`, the '
        "checkpoint (cosigned under a witness policy) that the entries match; then entries "
        "`start` to N - 1, one a line. `ledger verify --export FILE --policy FILE` checks "
        "a whole export with no network."
    ),
    response_class=StreamingResponse,
    responses={503: {"description": "No checkpoint to rely on yet"}},
)
def export(
    request: Request, session: SessionDep, start: Annotated[int, Query(ge=0, le=2**53)] = 0
) -> StreamingResponse:
    kept = state.of(request.app)
    engine, policy = kept.engine, kept.policy
    served = cosigning.served(session, policy)
    if served is None:
        raise UnavailableError("No checkpoint to rely on yet.")
    size, note = served.size, cosigning.served_note(served, policy)
    # The stream reads in sessions of its own: the request's must not stay open in a
    # transaction while a slow client reads, or PostgreSQL ends it as idle.
    session.close()

    def lines() -> Iterator[bytes]:
        yield orjson.dumps({"checkpoint": note, "tree_size": size}) + b"\n"
        after = start - 1
        while after + 1 < size:
            with Session(engine) as session:
                rows = log_repository.entries_between(
                    session, after + 1, min(size, after + 1 + PAGE)
                )
                page = log_entries(session, rows)
            if not page:
                return
            yield b"".join(json_line(entry) for entry in page)
            after = page[-1]["index"]

    return StreamingResponse(lines(), media_type="application/jsonl")
