"""The ASGI layers round every service's routes: body limits, fixed headers, request
ids and metrics.

Plain ASGI, not ``BaseHTTPMiddleware``: that runs each request in a task of its own
and passes bodies through memory streams, a cost every request of every service pays.
"""

import logging
import time
import uuid
from collections.abc import Iterable, Mapping
from email.utils import formatdate

from fastapi import FastAPI
from fastapi.responses import Response
from prometheus_client import Counter, Histogram
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from periplus import db, logs
from periplus.problems import problem

log = logging.getLogger(__name__)

REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer an HTTP request", ["service", "route"]
)


class BodyLimit:
    """Refuses request bodies over ``limit`` bytes with 413, before any handler reads them."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.limit):
            await self._refuse(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise StarletteHTTPException(413, f"The body exceeds {self.limit} bytes.")
            return message

        await self.app(scope, limited, send)

    async def _refuse(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = problem(413, "Content too large", f"The body exceeds {self.limit} bytes.")
        await response(scope, receive, send)


class FixedHeaders:
    """Adds the same headers to every HTTP response (a security policy), unless it set its own."""

    def __init__(self, app: ASGIApp, headers: Mapping[str, str]) -> None:
        self.app = app
        self.headers = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                own = list(message.get("headers", []))
                named = {k.lower() for k, _ in own}
                message = {
                    **message,
                    "headers": own + [h for h in self.headers if h[0] not in named],
                }
            await send(message)

        await self.app(scope, receive, sending)


class Observed:
    """Request ids in and out, the ``Date`` of each answer, and request counts and
    latencies for /metrics.

    The date is taken as the answer starts. The server's own (uvicorn's) is refreshed
    by its loop about once a second, seconds late on a busy machine, so an answer's
    ``Last-Modified`` could come out later than its ``Date``, which RFC 9110 (8.8.2.1)
    forbids; the server is told to send none of its own.

    Plain ASGI rather than ``BaseHTTPMiddleware``, which runs every request in a task
    of its own and passes its body and answer through memory streams: a cost paid
    by every request of every service.
    """

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        given = next((v for k, v in scope["headers"] if k == b"x-request-id"), b"")
        rid = (given.decode("latin-1") or uuid.uuid4().hex)[:64]
        mark = (b"x-request-id", rid.encode("latin-1"))
        started, answered = time.perf_counter(), False

        async def answering(message: Message) -> None:
            nonlocal answered
            if message["type"] == "http.response.start":
                answered = True
                self._count(scope, message["status"], started)
                headers = _with_header(message.get("headers", []), mark)
                message = {**message, "headers": _with_header(headers, (b"date", _now()))}
            await send(message)

        token = logs.request_id.set(rid)
        try:
            await self.app(scope, receive, answering)
        except Exception as exc:
            if answered:  # too late for another answer: the server ends the response
                raise
            # Answered here rather than by Starlette's outermost handler, so that
            # the reply still carries the request id that the log line names.
            await _failure(exc, str(scope["path"]), rid)(scope, receive, answering)
        finally:
            logs.request_id.reset(token)

    def _count(self, scope: Scope, status: int, started: float) -> None:
        template = getattr(scope.get("route"), "path", "unmatched")
        REQUESTS.labels(self.service, scope["method"], template, status).inc()
        LATENCY.labels(self.service, template).observe(time.perf_counter() - started)


_dated: tuple[int, bytes] = (0, b"")


def _now() -> bytes:
    """The current time as an HTTP date, formatted once a second."""
    global _dated
    second = int(time.time())
    if _dated[0] != second:
        _dated = second, formatdate(second, usegmt=True).encode()
    return _dated[1]


def _with_header(
    headers: Iterable[tuple[bytes, bytes]], header: tuple[bytes, bytes]
) -> list[tuple[bytes, bytes]]:
    """``headers`` with ``header`` set: in place of the first of its name (the others
    dropped), else last."""
    out: list[tuple[bytes, bytes]] = []
    placed = False
    for name, value in headers:
        if name.lower() != header[0]:
            out.append((name, value))
        elif not placed:
            out.append(header)
            placed = True
    return out if placed else [*out, header]


def _failure(exc: Exception, path: str, rid: str) -> Response:
    busy = db.unavailable(exc)
    if busy is not None:  # a lock wait or statement ran out, or the database is gone
        log.warning("database unavailable", extra={"path": path, "error": repr(exc)})
        return problem(503, "Service unavailable", busy, headers={"retry-after": "1"})
    log.exception("unhandled error", extra={"path": path})
    return problem(500, "Internal error", f"Logged under request id {rid}.")


def add_observability(app: FastAPI, service: str) -> None:
    """Request ids in and out, and request counts and latencies for /metrics."""
    app.add_middleware(Observed, service=service)
