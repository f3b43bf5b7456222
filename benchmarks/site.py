"""The public site under a news spike: 10^4 trips, the pages and downloads people open.

A notifier process serves a read model of 10^4 whole trip life cycles (5x10^4
ledger entries, folded as ingestion folds them). For the home page, a trip
page, the Atom feed and the open-data CSV of trips: the latency of one reader
(p50, p95) and the throughput of four readers at once. The baseline is a bare
server process (uvicorn, the same framework) that answers the same paths with
the same bytes, captured from the notifier in the same run, so the ratio says
what building the answer costs. Goals: p95 under 50 ms per page, throughput at
least 0.3 of the bare server's. Conditional GETs (``If-None-Match`` with the ETag,
``If-Modified-Since`` with the Last-Modified) answer 304.
"""

import json
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import Session

from benchmarks._catch_up import trip_events
from benchmarks._processes import notifier_process, process
from notifier.ingest import service
from periplus.testing import free_port

TRIPS = 10_000
SAMPLES = 60
SECONDS = 4.0
READERS = 4


def _fill(engine: Any) -> str:
    """Fold 10^4 trips' entries into the read model; a trip id to open."""
    events = [e.to_json() for e in trip_events(0, TRIPS * 5)]
    for start in range(0, len(events), 2_000):
        with Session(engine) as session:
            service.apply(session, list(enumerate(events[start : start + 2_000], start)))
            session.commit()
    return str(events[-1]["trip_id"])


def _latency(http: httpx.Client, url: str) -> list[float]:
    times = []
    for _ in range(SAMPLES):
        started = time.perf_counter()
        answer = http.get(url)
        times.append(time.perf_counter() - started)
        answer.raise_for_status()
    return sorted(times)


def _throughput(url: str) -> float:
    def reader() -> int:
        done, deadline = 0, time.perf_counter() + SECONDS
        with httpx.Client(timeout=30) as http:
            while time.perf_counter() < deadline:
                http.get(url).raise_for_status()
                done += 1
        return done

    with ThreadPoolExecutor(READERS) as pool:
        return sum(pool.map(lambda _: reader(), range(READERS))) / SECONDS


def _measure(base: str, bare: str, path: str, http: httpx.Client) -> dict[str, Any]:
    http.get(f"{base}{path}").raise_for_status()  # warm: the yearbook is counted once a day
    times = _latency(http, f"{base}{path}")
    rate, bare_rate = _throughput(f"{base}{path}"), _throughput(f"{bare}{path}")
    first = http.get(f"{base}{path}")
    tag = first.headers.get("etag")
    figures: dict[str, Any] = {
        "bytes": len(first.content),
        "p50_ms": round(statistics.median(times) * 1000, 1),
        "p95_ms": round(times[int(0.95 * len(times))] * 1000, 1),
        "requests_per_s": round(rate),
        "bare_requests_per_s": round(bare_rate),
        "ratio_to_bare": round(rate / bare_rate, 3),
    }
    if tag:
        again = http.get(f"{base}{path}", headers={"If-None-Match": tag})
        figures["conditional_get_status"] = again.status_code
    modified = first.headers.get("last-modified")
    if modified:
        again = http.get(f"{base}{path}", headers={"If-Modified-Since": modified})
        figures["if_modified_since_status"] = again.status_code
    return figures


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        workdir = Path(tmp)
        with notifier_process(workdir) as (base, engine):
            started = time.perf_counter()
            trip = _fill(engine)
            filled = time.perf_counter() - started
            paths = {
                "home": "/?lang=en",
                "trip_page": f"/trips/{trip}?lang=en",
                "atom_feed": "/feed.atom?lang=en",
                "open_data_trips_csv": "/data/trips.csv",
            }
            with httpx.Client(timeout=60) as http:
                captured = {p: http.get(f"{base}{p}").content.decode() for p in paths.values()}
                (workdir / "bytes.json").write_text(json.dumps(captured))
                port = free_port()
                command = [sys.executable, "-m", "benchmarks.site", str(workdir / "bytes.json")]
                with process([*command, str(port)], port) as bare:
                    figures = {
                        name: _measure(base, bare, path, http) for name, path in paths.items()
                    }
    return {
        "trips": TRIPS,
        "entries_folded_per_s": round(TRIPS * 5 / filled),
        **figures,
        "goals": {"p95_ms": 50, "ratio_to_bare": 0.3},
    }


def _bare(port: int, source: str) -> None:
    """A server that answers each captured path with its captured bytes."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import Response

    captured = json.loads(Path(source).read_text())
    answers = {path.split("?")[0]: body.encode() for path, body in captured.items()}

    async def app_answer(request: Request) -> Response:
        return Response(answers.get(request.url.path, b""), media_type="text/html")

    app = Starlette()
    app.add_route("/{path:path}", app_answer)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    _bare(int(sys.argv[2]), sys.argv[1])
