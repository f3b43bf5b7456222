"""A witness served over real HTTP on a fresh database, for tests of it and of its clients."""

import base64
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from periplus.cosignature import Cosigner
from periplus.note import Verifier
from periplus.testing import Server
from witness.main import build
from witness.settings import Settings

SEED = base64.b64encode(bytes(range(100, 132))).decode()
NAME = "witness.test/w1"


@dataclass
class RunningWitness:
    url: str
    cosigner: Cosigner
    settings: Settings
    http: httpx.Client

    def submit(self, body: str | bytes) -> httpx.Response:
        return self.http.post(f"{self.url}/add-checkpoint", content=body)


@contextmanager
def serve(
    database_url: str, logs: list[Verifier], directory: Path, **overrides: Any
) -> Iterator[RunningWitness]:
    """A witness that trusts ``logs``, with its logs file in ``directory``."""
    logs_file = directory / "witness-logs.txt"
    logs_file.write_text("# logs this witness cosigns\n" + "".join(f"{k}\n" for k in logs))
    values: dict[str, Any] = {
        "database_url": database_url,
        "name": NAME,
        "key": SEED,
        "logs": logs_file,
    }
    values.update(overrides)
    settings = Settings(**values)
    app = build(settings)
    with Server(app) as server, httpx.Client(timeout=30) as http:
        yield RunningWitness(server.url, app.state.witness.cosigner, settings, http)
