"""Same-origin windows onto the ledger, so a browser can check what the ledger signed.

Bodies and content types pass through untouched: the page's script verifies
the ledger's own bytes, and this service could not forge a proof or a
checkpoint without the ledger's key. No key is relayed: the page checks with
the keys the deployment pins, never with one the checked server hands out.
"""

from typing import Annotated

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from notifier import state
from periplus.errors import BadRequestError, ProblemError

router = APIRouter(prefix="/v1/verify", tags=["verify"])

Index = Annotated[int, Query(ge=0, le=2**53)]
PASSED_HEADERS = ("content-type", "cache-control", "content-disposition", "retry-after")


async def _relay(request: Request, path: str, params: dict[str, int] | None = None) -> Response:
    settings = state.of(request.app).settings
    base = settings.ledger_url.rstrip("/")
    try:
        timeout = settings.http_timeouts()
        async with httpx.AsyncClient(timeout=timeout) as client:
            answer = await client.get(f"{base}/v1/log/{path}", params=params)
    except httpx.HTTPError as exc:
        raise ProblemError(502, "Bad gateway", "The ledger cannot be reached just now.") from exc
    headers = {k: v for k, v in answer.headers.items() if k.lower() in PASSED_HEADERS}
    return Response(answer.content, status_code=answer.status_code, headers=headers)


@router.get("/checkpoint", summary="The ledger's latest signed checkpoint, untouched")
async def checkpoint(request: Request) -> Response:
    return await _relay(request, "checkpoint")


@router.get("/entries", summary="Ledger entries [start, end), untouched")
async def entries(request: Request, start: Index, end: Index) -> Response:
    if end < start or end - start > 100:
        raise BadRequestError("end is at least start and at most start + 100.")
    return await _relay(request, "entries", {"start": start, "end": end})


@router.get("/proof/inclusion", summary="An inclusion proof from the ledger, untouched")
async def inclusion(request: Request, index: Index, tree_size: Index) -> Response:
    return await _relay(request, "proof/inclusion", {"index": index, "tree_size": tree_size})


@router.get(
    "/receipt",
    summary="A receipt of one entry from the ledger (C2SP tlog-proof@v1), untouched",
    description="Checks offline with `ledger verify --receipt FILE --policy FILE`.",
)
async def receipt(request: Request, index: Index) -> Response:
    return await _relay(request, "receipt", {"index": index})
