"""What every Periplus HTTP service shares: its app, its life and its server.

The parts live beside it: ``problems`` (every error as RFC 9457), ``middleware``
(limits, headers, request ids, metrics), ``readiness`` (the operations endpoints).
"""

import asyncio
import inspect
import socket
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Protocol

import uvicorn
from fastapi import FastAPI
from sqlalchemy import Engine
from starlette.types import ASGIApp

from periplus import db, kafka, openapi
from periplus.middleware import BodyLimit, FixedHeaders, add_observability
from periplus.problems import install_problem_handlers
from periplus.readiness import Readiness, ops_router
from periplus.settings import BrokerSettings, ServiceSettings

VERSION = "1.0.0"


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
                date_header=False,  # each answer's own, set by ``Observed``
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
