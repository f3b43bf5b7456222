"""What every Periplus HTTP service shares: problem responses, limits, ops endpoints.

Every error leaves as RFC 9457 ``application/problem+json``; bad input is a
4xx with a field-by-field account, never a 500.
"""

import asyncio
import inspect
import logging
import socket
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future, wait
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import uvicorn
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from periplus import db, kafka, logs, openapi
from periplus.errors import BY_STATUS, KINDS, Kind, NotFoundError, ProblemError, type_of
from periplus.settings import BrokerSettings, ServiceSettings

log = logging.getLogger(__name__)

PROBLEM_TYPE = openapi.PROBLEM_TYPE
VERSION = "1.0.0"

REQUESTS = Counter(
    "http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "http_request_duration_seconds", "Time to answer an HTTP request", ["service", "route"]
)
READY = Gauge("readiness_ready", "1 if every required readiness check passes", ["service"])
CHECK_OK = Gauge("readiness_check_ok", "1 if a readiness check passes", ["service", "check"])
CHECK_VALUE = Gauge(
    "readiness_check_value", "A figure a readiness check reports", ["service", "check", "field"]
)


def problem(
    status: int,
    title: str,
    detail: str | None = None,
    *,
    errors: list[dict[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
    instance: str | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {"type": type_of(status), "title": title, "status": status}
    if detail:
        body["detail"] = detail
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    body.update(extensions or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_TYPE, headers=headers)


def location(path: Iterable[str | int]) -> str:
    """Where a fault is, as a client's code would reach it: ``body.sdg_targets[1]``."""
    where = ""
    for part in path:
        where += f"[{part}]" if isinstance(part, int) else f".{part}" if where else str(part)
    return where


def _field_errors(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [
        {"location": location(err["loc"]), "message": err["msg"], "type": err["type"]}
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
        kind = BY_STATUS.get(exc.status_code)
        title = kind.title if kind else "Error"
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


def add_observability(app: FastAPI, service: str) -> None:
    """Request ids in and out, and request counts and latencies for /metrics."""

    @app.middleware("http")
    async def observe(request: Request, call_next: Callable[[Request], Any]) -> Response:
        rid = request.headers.get("x-request-id") or uuid.uuid4().hex
        token = logs.request_id.set(rid[:64])
        started = time.perf_counter()
        try:
            response: Response = await call_next(request)
        except Exception as exc:
            # Answered here rather than by Starlette's outermost handler, so that
            # the reply still carries the request id that the log line names.
            busy = db.unavailable(exc)
            if busy is not None:  # a lock wait or statement ran out, or the database is gone
                log.warning(
                    "database unavailable", extra={"path": request.url.path, "error": repr(exc)}
                )
                response = problem(503, "Service unavailable", busy, headers={"retry-after": "1"})
            else:
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


class CheckFailedError(Exception):
    """A probe's way to fail and still say what it saw (``details``)."""

    def __init__(self, reason: str, **details: object) -> None:
        super().__init__(reason)
        self.details = details


Probe = Callable[[], Mapping[str, object] | None]


@dataclass(frozen=True)
class Check:
    probe: Probe
    required: bool


class Readiness:
    """The checks behind ``/readyz``, also gauged on ``/metrics``.

    A required check that fails makes the service unready (503): without its
    database a service can do nothing. A reported one is listed and gauged but
    leaves the service ready: with the broker down, reads still work and writes
    wait in outboxes. A probe raises to fail (``CheckFailedError`` to fail with
    details) and returns the figures it reports. Probes run side by side, each
    once at a time, in daemon threads; one that has not answered within
    ``within`` seconds counts as failing, so a hung dependency hangs neither
    endpoint nor the process's exit.
    """

    def __init__(self, service: str, within: float = 3.0) -> None:
        self.service, self.within = service, within
        self.checks: dict[str, Check] = {}
        self._running: dict[str, Future[Mapping[str, object] | None]] = {}
        self._lock = threading.Lock()

    def require(self, name: str, probe: Probe) -> None:
        self.checks[name] = Check(probe, required=True)

    def report(self, name: str, probe: Probe) -> None:
        self.checks[name] = Check(probe, required=False)

    def run(self) -> tuple[bool, dict[str, dict[str, object]]]:
        """Whether the service is ready, and each check's state and figures."""
        with self._lock:
            futures = {name: self._start(name, check) for name, check in self.checks.items()}
        wait(futures.values(), timeout=self.within)
        states = {name: self._state(self.checks[name], f) for name, f in futures.items()}
        ready = all(st["status"] == "ok" for st in states.values() if st["required"])
        READY.labels(self.service).set(ready)
        for name, state in states.items():
            CHECK_OK.labels(self.service, name).set(state["status"] == "ok")
            for field, value in state.items():
                if field == "required":
                    continue
                if isinstance(value, int | float) or value is None:
                    number = float("nan") if value is None else float(value)
                    CHECK_VALUE.labels(self.service, name, field).set(number)
        return ready, states

    def _start(self, name: str, check: Check) -> Future[Mapping[str, object] | None]:
        running = self._running.get(name)
        if running is not None and not running.done():
            return running  # still waiting on the last one: do not pile threads up
        future: Future[Mapping[str, object] | None] = Future()

        def probe() -> None:
            try:
                future.set_result(check.probe())
            except Exception as exc:
                future.set_exception(exc)

        threading.Thread(target=probe, name=f"readiness-{name}", daemon=True).start()
        self._running[name] = future
        return future

    def _state(self, check: Check, future: Future[Mapping[str, object] | None]) -> dict[str, Any]:
        state: dict[str, Any] = {"status": "failing", "required": check.required}
        if not future.done():
            state["error"] = f"no answer within {self.within:g} s"
        elif (exc := future.exception()) is not None:
            state["error"] = str(exc) if isinstance(exc, CheckFailedError) else type(exc).__name__
            state.update(getattr(exc, "details", {}))
        else:
            state["status"] = "ok"
            state.update(future.result() or {})
        return state


def _described(kind: Kind) -> dict[str, object]:
    return {
        "type": kind.type,
        "title": kind.title,
        "status": kind.status,
        "description": kind.description,
    }


def ops_router(readiness: Readiness) -> APIRouter:
    """``/healthz`` (the process answers), ``/readyz`` (every required check passes, each
    check's state in the body), ``/metrics`` (with the checks' gauges, run afresh).
    """
    router = APIRouter(tags=["operations"])

    @router.get("/healthz", summary="The process is alive")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @router.get(
        "/readyz",
        summary="Whether the service can do its job, and the state of what it depends on",
        responses={503: {"description": "A required check fails: the `checks` member says which"}},
    )
    def readyz() -> Response:
        ready, checks = readiness.run()
        if not ready:
            failing = ", ".join(
                n for n, c in checks.items() if c["required"] and c["status"] != "ok"
            )
            return problem(503, "Not ready", f"Failing: {failing}", extensions={"checks": checks})
        return JSONResponse({"status": "ready", "checks": checks})

    @router.get("/problems", summary="Every kind of problem this service answers with")
    def problems() -> list[dict[str, object]]:
        return [_described(kind) for kind in KINDS.values()]

    @router.get(
        "/problems/{kind}",
        summary="What a problem's `type` means",
        responses={404: {"description": "No such kind"}},
    )
    def problem_kind(kind: str) -> dict[str, object]:
        if kind not in KINDS:
            raise NotFoundError(f"No kind of problem is called {kind!r}.")
        return _described(KINDS[kind])

    @router.get("/metrics", summary="Prometheus metrics", response_class=PlainTextResponse)
    def metrics() -> Response:
        readiness.run()
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)

    return router


class Worker(Protocol):
    """Something a service runs beside its routes: a relay, a consumer, a periodic task.
    ``start`` and ``stop`` may be plain or async."""

    def start(self) -> object: ...

    def stop(self) -> object: ...


async def _call(step: Callable[[], object]) -> None:
    result = step()
    if inspect.isawaitable(result):
        await result


def lifespan(
    engine: Engine,
    migrations: Path,
    *,
    prepare: Callable[[], None] | None = None,
    workers: Sequence[Worker] = (),
    close: Sequence[Callable[[], None]] = (),
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """The life of every service: migrate its database, ``prepare`` (what needs the tables
    and must fail the start), start ``workers`` in order; at the end stop them in reverse
    order (a worker that feeds another, listed after it, stops first), run ``close``
    in order and dispose of the engine. A failed start stops what had started."""

    @asynccontextmanager
    async def run(app: FastAPI) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            stack.callback(engine.dispose)
            for done in reversed(close):
                stack.callback(done)
            db.upgrade(engine, migrations)
            if prepare is not None:
                prepare()
            for worker in workers:
                await _call(worker.start)
                stack.push_async_callback(_call, worker.stop)
            yield

    return run


def create_app(
    *,
    service: str,
    title: str,
    description: str,
    settings: ServiceSettings,
    engine: Engine,
    lifespan: Callable[[FastAPI], AbstractAsyncContextManager[None]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> FastAPI:
    """A service's app with the shared error handling, limits and operations endpoints.

    ``/readyz`` requires the service's own database and, for a service that
    reaches the broker (its settings say how), reports it; a service adds its
    own checks to ``app.state.readiness``. ``headers`` go on every response that
    does not set them itself (a service's security headers). A service keeps what its
    routes read in a typed state of its own (``periplus.state``); ``app.state.stopping`` is
    set when the server begins to stop (see ``Server``).
    """
    app = FastAPI(title=title, description=description, version=VERSION, lifespan=lifespan)
    app.openapi = lambda: openapi.document(app)  # type: ignore[method-assign]
    install_problem_handlers(app)
    add_observability(app, service)
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    if headers:
        app.add_middleware(FixedHeaders, headers=headers)
    readiness = Readiness(service)
    readiness.require("database", lambda: db.ping(engine))
    if isinstance(settings, BrokerSettings):
        connection = settings.kafka_connection()
        readiness.report("broker", lambda: kafka.ping(connection))
    app.include_router(ops_router(readiness))
    app.state.settings, app.state.engine = settings, engine
    app.state.readiness, app.state.stopping = readiness, asyncio.Event()
    return app


class Server(uvicorn.Server):
    """uvicorn that tells the app it is stopping before it waits for open responses.

    On SIGTERM uvicorn stops accepting, then waits for every response to end
    before it runs the app's shutdown; an endless response (a live stream)
    would hold it forever. ``app.state.stopping`` is set first, and such
    responses end on it; whatever still runs after ``grace`` seconds is cut.
    """

    def __init__(self, app: ASGIApp, host: str, port: int, grace: int = 5) -> None:
        self.app = app
        # The proxies the app's settings trust to name the client (uvicorn's default else).
        settings = getattr(getattr(app, "state", None), "settings", None)
        proxies = settings.trusted_proxies if isinstance(settings, ServiceSettings) else None
        super().__init__(
            uvicorn.Config(
                app,
                host=host,
                port=port,
                log_config=None,
                lifespan="on",
                timeout_graceful_shutdown=grace,
                proxy_headers=proxies != "",
                forwarded_allow_ips=proxies or None,
            )
        )

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        stopping = getattr(getattr(self.app, "state", None), "stopping", None)
        if isinstance(stopping, asyncio.Event):
            stopping.set()
        await super().shutdown(sockets)


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Run ``app`` where ``settings`` say until SIGINT or SIGTERM, ending endless responses
    first."""
    Server(app, settings.host, settings.port).run()
