"""Same-origin windows onto the ledger, so a browser can check what the ledger signed.

Bodies pass through untouched: the page's script verifies the ledger's own
bytes, and this service could not forge a proof or a checkpoint without the
ledger's key. Content types do not: each route names its own (signed notes as
plain text, proofs and entries as JSON) and relays only a body that reads as
such, so a hostile ledger cannot serve a page or a script on this site's origin,
which the site's policy would run. Nor does a download's name: the ledger's
``Content-Disposition`` is not relayed (a body saved as ``periplus-verifier.html``
would run from the reader's disk, beside the keys a kept verifier saves there); a
receipt is named here. No key is relayed to trust: the page checks with
the keys the deployment pins, never with one the checked server hands out; the
log's key rotations are relayed for the standalone verifier, which checks each
statement under both its keys and follows it only from a key of the reader's policy.

Every answer here may be read from any origin (``Access-Control-Allow-Origin: *``,
``CORS_PREFIX``): the standalone verifier runs from a reader's disk or site. Nothing
here writes or reads a cookie.
"""

import asyncio
import json
from typing import Annotated

import httpx
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response

from notifier import state
from periplus.errors import BadRequestError, ProblemError

CORS_PREFIX = "/v1/verify/"
router = APIRouter(prefix=CORS_PREFIX.rstrip("/"), tags=["verify"])

Index = Annotated[int, Query(ge=0, le=2**53)]
PASSED_HEADERS = ("cache-control", "retry-after")
# A hostile ledger must not hold the site's memory or a worker: an answer is read whole
# within DEADLINE seconds and up to MOST bytes, more than a hundred of the longest entries
# (each as its event and its bytes) take.
DEADLINE = 30.0
MOST = 32 * 1024 * 1024
TEXT, JSON, PROBLEM = "text/plain; charset=utf-8", "application/json", "application/problem+json"


def _reads_as(media_type: str, body: bytes) -> bool:
    if media_type == TEXT:
        try:
            body.decode()
        except UnicodeDecodeError:
            return False
        return True
    try:
        return isinstance(json.loads(body), dict)
    except ValueError:
        return False


async def _relay(
    request: Request,
    path: str,
    media_type: str,
    params: dict[str, int] | None = None,
    download: str | None = None,
) -> Response:
    settings = state.of(request.app).settings
    base = settings.ledger_url.rstrip("/")
    try:
        timeout = settings.http_timeouts()
        async with (
            asyncio.timeout(DEADLINE),
            httpx.AsyncClient(timeout=timeout) as client,
            client.stream("GET", f"{base}/v1/log/{path}", params=params) as answer,
        ):
            body = bytearray()
            async for chunk in answer.aiter_bytes():
                body += chunk
                if len(body) > MOST:
                    raise ProblemError(
                        502, "Bad gateway", "The ledger answered more than it ever serves."
                    )
    except (httpx.HTTPError, TimeoutError) as exc:
        raise ProblemError(502, "Bad gateway", "The ledger cannot be reached just now.") from exc
    if answer.status_code != 200:
        media_type = PROBLEM  # the ledger's errors are RFC 9457 problems
    content = bytes(body)
    if not _reads_as(media_type, content):
        raise ProblemError(502, "Bad gateway", "The ledger answered something it never serves.")
    headers = {k: v for k, v in answer.headers.items() if k.lower() in PASSED_HEADERS}
    if download is not None and answer.status_code == 200:
        headers["Content-Disposition"] = f'attachment; filename="{download}"'
    return Response(content, status_code=answer.status_code, headers=headers, media_type=media_type)


@router.get("/checkpoint", summary="The ledger's latest signed checkpoint, untouched")
async def checkpoint(request: Request) -> Response:
    return await _relay(request, "checkpoint", TEXT)


@router.get(
    "/keys", summary="The ledger's key rotations, each stated and signed by both keys, untouched"
)
async def keys(request: Request) -> Response:
    return await _relay(request, "keys", JSON)


@router.get("/entries", summary="Ledger entries [start, end), untouched")
async def entries(request: Request, start: Index, end: Index) -> Response:
    if end < start or end - start > 100:
        raise BadRequestError("end is at least start and at most start + 100.")
    return await _relay(request, "entries", JSON, {"start": start, "end": end})


@router.get("/proof/inclusion", summary="An inclusion proof from the ledger, untouched")
async def inclusion(request: Request, index: Index, tree_size: Index) -> Response:
    params = {"index": index, "tree_size": tree_size}
    return await _relay(request, "proof/inclusion", JSON, params)


@router.get(
    "/receipt",
    summary="A receipt of one entry from the ledger (C2SP tlog-proof@v1), untouched",
    description="Checks offline with `ledger verify --receipt FILE --policy FILE`.",
)
async def receipt(request: Request, index: Index) -> Response:
    return await _relay(request, "receipt", TEXT, {"index": index}, f"entry-{index}.tlog-proof")
