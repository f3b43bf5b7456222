"""An auditor who pins the log's current key: a retired key, leaked, cannot pass off a log
smaller than the one its rotation statement vouches for.

The log here is an attacker's, served over real HTTP: the genuine rotation statement (the
old key retired at size 3, signed by both keys) and a fork of size 2, one event dropped,
signed by the retired key.
"""

import base64
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from periplus import merkle
from periplus.checks import ROTATION_HEADER, VerificationFailedError
from periplus.note import Checkpoint, Signer, cosign
from periplus.sources import sign
from periplus.testing import Server
from periplus.verify import verify_log

ORIGIN = "ledger.example/log"
OLD = Signer(ORIGIN, Ed25519PrivateKey.generate())
NEW = Signer(ORIGIN, Ed25519PrivateKey.generate())
SOURCE = Signer("example-city/trips-api", Ed25519PrivateKey.generate())


def _forged_log() -> FastAPI:
    events = [
        sign(SOURCE, seq=n, type_="trip.approved", trip_id=uuid.UUID(int=n), data={"n": n})
        for n in (1, 2, 3)
    ]
    fork = [events[0].leaf, events[2].leaf]  # seq 2 dropped
    tree = merkle.CompactRange()
    for leaf in fork:
        tree.append(merkle.leaf_hash(leaf))
    note = OLD.sign(Checkpoint(ORIGIN, len(fork), tree.root()).body())
    rotation = cosign(
        f"{ROTATION_HEADER}\n{ORIGIN}\nold {OLD.verifier}\nnew {NEW.verifier}\n3\n", [OLD, NEW]
    )
    app = FastAPI()
    app.get("/v1/log/key", response_class=PlainTextResponse)(lambda: f"{NEW.verifier}\n")
    app.get("/v1/log/keys")(lambda: {"rotations": [{"statement": rotation}]})
    app.get("/v1/log/checkpoint", response_class=PlainTextResponse)(lambda: note)
    app.get("/v1/log/checkpoints")(lambda: {"checkpoints": []})

    @app.get("/v1/log/entries")
    def entries(start: int, end: int) -> dict[str, object]:
        return {
            "entries": [
                {
                    "index": i,
                    "leaf": base64.b64encode(fork[i]).decode(),
                    "leaf_hash": base64.b64encode(merkle.leaf_hash(fork[i])).decode(),
                }
                for i in range(start, min(end, len(fork)))
            ]
        }

    return app


def test_a_retired_key_cannot_sign_a_current_log_smaller_than_its_rotation() -> None:
    with (
        Server(_forged_log()) as forged,
        pytest.raises(VerificationFailedError, match="smaller than the size 3"),
    ):
        verify_log(forged.url, key=str(NEW.verifier), proofs=0)
