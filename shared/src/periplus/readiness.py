"""Readiness checks and the operations endpoints that report them: ``/healthz``,
``/readyz``, ``/metrics`` and the problem kinds a service answers with.
"""

import threading
from collections.abc import Callable, Mapping
from concurrent.futures import Future, wait
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse, PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, Gauge, generate_latest

from periplus.errors import KINDS, Kind, NotFoundError
from periplus.problems import problem

READY = Gauge("readiness_ready", "1 if every required readiness check passes", ["service"])
CHECK_OK = Gauge("readiness_check_ok", "1 if a readiness check passes", ["service", "check"])
CHECK_VALUE = Gauge(
    "readiness_check_value", "A figure a readiness check reports", ["service", "check", "field"]
)


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
