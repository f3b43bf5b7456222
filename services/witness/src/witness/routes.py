"""tlog-witness over HTTP: add-checkpoint at the root, the monitoring path, and evidence."""

import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import PlainTextResponse, Response
from pydantic import BaseModel
from starlette.concurrency import run_in_threadpool

from periplus.errors import ProblemError
from witness import state
from witness.service import StaleSizeError, Witness

router = APIRouter(tags=["witness"])

SIZE_TYPE = "text/x.tlog.size"
_HEX = re.compile(r"[0-9a-f]{64}")
EVIDENCE_ID_MAX = 2**31 - 1
"""The largest evidence id: the column is a 32-bit INTEGER on PostgreSQL; an ``after`` past
it is a 422, not a 500 from the database."""
_PROBLEM = {"description": "Refused; RFC 9457 problem details say why"}

ADD_CHECKPOINT = """\
A log submits its new checkpoint with a consistency proof from the size this
witness cosigned last (c2sp.org/tlog-witness). The body is `old <size>`, one
base64 hash a line, a blank line, then the signed checkpoint. The answer is this
witness's cosignature line (c2sp.org/tlog-cosignature, Ed25519).
"""


class EvidencePublic(BaseModel):
    id: int
    origin: str
    size: int
    kind: str
    reason: str
    received_at: datetime
    submission: str
    cosigned: str | None


class EvidencePage(BaseModel):
    evidence: list[EvidencePublic]


def _witness(request: Request) -> Witness:
    return state.of(request.app).witness


@router.post(
    "/add-checkpoint",
    summary="Cosign a checkpoint that extends the one cosigned before",
    description=ADD_CHECKPOINT,
    response_class=PlainTextResponse,
    responses={
        200: {"content": {"text/plain": {}}, "description": "The cosignature line"},
        400: _PROBLEM,
        403: _PROBLEM,
        404: _PROBLEM,
        409: {
            "content": {SIZE_TYPE: {"schema": {"type": "string"}}},
            "description": "The old size is not the latest cosigned size, given in the body",
        },
        413: _PROBLEM,
        422: _PROBLEM,
    },
    openapi_extra={
        "requestBody": {"required": True, "content": {"text/plain": {"schema": {"type": "string"}}}}
    },
)
async def add_checkpoint(request: Request) -> Response:
    body = await request.body()
    try:
        cosignature = await run_in_threadpool(_witness(request).add_checkpoint, body)
    except StaleSizeError as exc:
        return Response(f"{exc.size}\n", status_code=409, headers={"Content-Type": SIZE_TYPE})
    return PlainTextResponse(cosignature)


@router.get(
    "/v1/evidence",
    summary="Validly signed checkpoints refused as inconsistent: signs of a fork",
    response_model=EvidencePage,
)
def evidence(
    request: Request,
    after: Annotated[
        int, Query(ge=0, le=EVIDENCE_ID_MAX, description="Only records after this id")
    ] = 0,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> EvidencePage:
    records = _witness(request).evidence(after, limit)
    return EvidencePage(evidence=[EvidencePublic.model_validate(r.model_dump()) for r in records])


@router.get(
    "/{origin_hash}/checkpoint",
    summary="The latest checkpoint cosigned for a log (the monitoring path)",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/plain": {}}}, 404: _PROBLEM},
)
def checkpoint(request: Request, origin_hash: str) -> Response:
    note = _witness(request).latest(origin_hash) if _HEX.fullmatch(origin_hash) else None
    if note is None:
        raise ProblemError(404, "Not found", "This witness has cosigned no checkpoint of that log.")
    return PlainTextResponse(note)
