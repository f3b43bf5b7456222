"""What every Periplus HTTP service shares: problem responses, limits, ops endpoints.

Every error leaves as RFC 9457 ``application/problem+json``; bad input is a
4xx with a field-by-field account, never a 500.
"""

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from periplus import db, kafka, logs
from periplus.settings import ServiceSettings

log = logging.getLogger(__name__)

PROBLEM_TYPE = "application/problem+json"
VERSION = "1.0.0"

REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer an HTTP request", ["service", "route"]
)


class ProblemError(Exception):
    """A domain error that knows its HTTP status; rendered as RFC 9457."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str | None = None,
        *,
        errors: list[dict[str, Any]] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail = status, title, detail
        self.errors, self.headers = errors, dict(headers or {})


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


_TITLES = {
    400: "Bad request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    409: "Conflict",
    412: "Precondition failed",
    413: "Content too large",
    415: "Unsupported media type",
    422: "Invalid input",
    429: "Too many requests",
    503: "Service unavailable",
}


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {
            "location": ".".join(str(p) for p in err["loc"]),
            "message": err["msg"],
            "type": err["type"],
        }
        for err in exc.errors()
    ]


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ProblemError)
        return problem(
            exc.status,
            exc.title,
            exc.detail,
            errors=exc.errors,
            headers=exc.headers,
            instance=request.url.path,
        )

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        title = _TITLES.get(exc.status_code, "Error")
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        return problem(
            exc.status_code, title, detail, headers=exc.headers, instance=request.url.path
        )

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        return problem(
            422,
            "Invalid input",
            "The request does not match the schema; see errors.",
            errors=_field_errors(exc),
            instance=request.url.path,
        )

    app.add_exception_handler(ProblemError, on_problem)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(RequestValidationError, on_validation)


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


def add_observability(app: FastAPI, service: str) -> None:
    """Request ids in and out, and request counts and latencies for /metrics."""

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Any]) -> Response:
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        token = logs.request_id.set(rid[:64])
        started = time.perf_counter()
        try:
            response: Response = await call_next(request)
        except Exception:
            # Answered here rather than by Starlette's outermost handler, so that
            # the reply still carries the request id that the log line names.
            log.exception("unhandled error", extra={"path": request.url.path})
            response = problem(500, "Internal error", f"Logged under request id {rid[:64]}.")
        finally:
            logs.request_id.reset(token)
        route = request.scope.get("route")
        template = getattr(route, "path", "unmatched")
        REQUESTS.labels(service, request.method, template, response.status_code).inc()
        LATENCY.labels(service, template).observe(time.perf_counter() - started)
        response.headers["x-request-id"] = rid[:64]
        return response


def ops_router(checks: Mapping[str, Callable[[], None]]) -> APIRouter:
    """``/healthz`` (the process answers), ``/readyz`` (every check passes), ``/metrics``."""
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="The process is alive")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="The database and the broker answer",
        responses={503: {"description": "A dependency is down"}},
    )
    def readyz() -> Response:
        failed: dict[str, str] = {}
        for name, check in checks.items():
            try:
                check()
            except Exception as exc:
                failed[name] = type(exc).__name__
        if failed:
            detail = ", ".join(f"{k}: {v}" for k, v in failed.items())
            return problem(503, "Not ready", f"Unavailable: {detail}")
        return JSONResponse({"status": "ready", "checks": sorted(checks)})

    @router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


def create_app(
    *,
    service: str,
    title: str,
    description: str,
    settings: ServiceSettings,
    engine: Engine,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    broker: bool = True,
) -> FastAPI:
    """A service's app with the shared error handling, limits and operations endpoints.

    ``/readyz`` checks the service's own database and, unless ``broker`` is
    false (a service that uses none), its broker; the settings and the engine
    are on ``app.state`` for the routes.
    """
    app = FastAPI(title=title, description=description, version=VERSION, lifespan=lifespan)
    install_problem_handlers(app)
    add_observability(app, service)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    checks = {"database": lambda: db.ping(engine)}
    if broker:
        checks["broker"] = lambda: kafka.ping(settings.kafka_connection())
    app.include_router(ops_router(checks))
    app.state.settings, app.state.engine = settings, engine
    return app
