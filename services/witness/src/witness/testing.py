"""A witness served over real HTTP on a fresh database, and a log in memory that signs real
checkpoints and consistency proofs: for tests of the witness and of its clients."""

import base64
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from periplus import merkle
from periplus.cosignature import Cosigner
from periplus.note import Checkpoint, Signer, Verifier
from periplus.testing import Server
from witness import state
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
        yield RunningWitness(server.url, state.of(app).witness.cosigner, settings, http)


ORIGIN = "periplus.test/log"


class Log:
    """A Merkle log in memory that signs checkpoints of any size it has reached."""

    def __init__(self, origin: str = ORIGIN, seed: int = 1) -> None:
        self.signer = Signer(origin, Ed25519PrivateKey.from_private_bytes(bytes([seed]) * 32))
        self.nodes: dict[merkle.Node, bytes] = {}
        self.compact = merkle.CompactRange()

    @property
    def size(self) -> int:
        return self.compact.size

    def get_nodes(self, nodes: Iterable[merkle.Node]) -> Mapping[merkle.Node, bytes]:
        return {node: self.nodes[node] for node in nodes}

    def append(self, leaf: bytes) -> "Log":
        self.nodes.update(self.compact.append(merkle.leaf_hash(leaf)))
        return self

    def grow(self, count: int) -> "Log":
        for _ in range(count):
            self.append(f"entry {self.size}".encode())
        return self

    def body(self, size: int | None = None, root: bytes | None = None) -> str:
        size = self.size if size is None else size
        actual = merkle.root(self, size) if root is None else root
        return Checkpoint(self.signer.name, size, actual).body()

    def checkpoint(self, size: int | None = None, root: bytes | None = None) -> str:
        return self.signer.sign(self.body(size, root))

    def proof(self, old: int, new: int | None = None) -> list[bytes]:
        return merkle.consistency_proof(self, old, self.size if new is None else new)

    def submission(
        self, old: int, size: int | None = None, proof: list[bytes] | None = None
    ) -> str:
        """An add-checkpoint body from ``old`` to ``size`` (the log's size by default)."""
        new = self.size if size is None else size
        lines = self.proof(old, new) if proof is None else proof
        hashes = "".join(f"{b64(h)}\n" for h in lines)
        return f"old {old}\n{hashes}\n{self.checkpoint(new)}"


def b64(value: bytes) -> str:
    return base64.b64encode(value).decode()
