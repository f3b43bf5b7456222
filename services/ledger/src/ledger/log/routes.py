"""The log's public contract: key, checkpoint, entries and proofs."""

import base64
import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse
from periplus import merkle
from periplus.web import ProblemError
from pydantic import BaseModel, Field
from sqlmodel import col, select

from ledger.deps import SessionDep
from ledger.log.store import NodeStore, latest_checkpoint, tree_size
from ledger.models import Entry

router = APIRouter(prefix="/v1/log", tags=["log"])

MAX_ENTRIES = 1000
Index = Annotated[int, Query(ge=0, le=2**53)]


def _b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode()


class LogEntry(BaseModel):
    index: int
    leaf: str = Field(description="Base64 of the leaf bytes: the RFC 8785 JSON of the event.")
    leaf_hash: str = Field(description="Base64 of SHA-256(0x00 || leaf).")
    event: dict[str, Any]


class Entries(BaseModel):
    entries: list[LogEntry]


class Proof(BaseModel):
    hashes: list[str] = Field(description="Base64 hashes, as RFC 9162 section 2.1 orders them.")


class InclusionProof(Proof):
    index: int
    tree_size: int
    leaf_hash: str


class ConsistencyProof(Proof):
    first: int
    second: int


@router.get("/key", response_class=PlainTextResponse, summary="The verifier key (note format)")
def key(request: Request) -> str:
    return f"{request.app.state.signer.verifier}\n"


@router.get(
    "/checkpoint",
    response_class=PlainTextResponse,
    summary="The latest signed checkpoint (C2SP signed note)",
    responses={503: {"description": "No checkpoint signed yet"}},
)
def checkpoint(session: SessionDep) -> PlainTextResponse:
    latest = latest_checkpoint(session)
    if latest is None:
        raise ProblemError(503, "Service unavailable", "The first checkpoint is being signed.")
    return PlainTextResponse(latest.note, headers={"Cache-Control": "no-cache"})


@router.get("/entries", summary="Entries from start (inclusive) to end (exclusive)")
def entries(session: SessionDep, start: Index, end: Index) -> Entries:
    if end < start:
        raise ProblemError(400, "Bad request", "end must not be less than start.")
    end = min(end, start + MAX_ENTRIES)
    rows = session.exec(
        select(Entry)
        .where(col(Entry.index) >= start, col(Entry.index) < end)
        .order_by(col(Entry.index))
    ).all()
    return Entries(
        entries=[
            LogEntry(
                index=row.index,
                leaf=_b64(row.leaf),
                leaf_hash=_b64(merkle.leaf_hash(row.leaf)),
                event=json.loads(row.leaf),
            )
            for row in rows
        ]
    )


def _within(session: SessionDep, size: int) -> None:
    current = tree_size(session)
    if size > current:
        raise ProblemError(400, "Bad request", f"The log has {current} entries, not {size}.")


@router.get("/proof/inclusion", summary="Inclusion proof of one entry in a tree size")
def inclusion(session: SessionDep, index: Index, tree_size: Index) -> InclusionProof:
    if index >= tree_size:
        raise ProblemError(400, "Bad request", "index must be less than tree_size.")
    _within(session, tree_size)
    store = NodeStore(session)
    leaf = store.get_nodes([(0, index)])[(0, index)]
    hashes = merkle.inclusion_proof(store, index, tree_size)
    return InclusionProof(
        index=index, tree_size=tree_size, leaf_hash=_b64(leaf), hashes=[_b64(h) for h in hashes]
    )


@router.get("/proof/consistency", summary="Consistency proof between two tree sizes")
def consistency(session: SessionDep, first: Index, second: Index) -> ConsistencyProof:
    if first > second:
        raise ProblemError(400, "Bad request", "first must not exceed second.")
    _within(session, second)
    hashes = merkle.consistency_proof(NodeStore(session), first, second)
    return ConsistencyProof(first=first, second=second, hashes=[_b64(h) for h in hashes])
