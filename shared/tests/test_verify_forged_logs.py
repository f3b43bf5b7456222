"""Logs an attacker serves over real HTTP, each consistent with its own signed checkpoint,
that an auditor must still refuse: a fork signed by a leaked retired key, smaller than the
log its rotation statement vouches for; a log that dropped an event its source signed.
"""

import base64
import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from periplus import merkle
from periplus.checks import ROTATION_HEADER, Attestation, Report, VerificationFailedError
from periplus.note import Checkpoint, Signer, cosign
from periplus.sources import NO_TRIP, SourceKeys, sign
from periplus.testing import Server
from periplus.verify import verify_log

ORIGIN = "ledger.example/log"
OLD = Signer(ORIGIN, Ed25519PrivateKey.generate())
NEW = Signer(ORIGIN, Ed25519PrivateKey.generate())
SOURCE = Signer("example-city/trips-api", Ed25519PrivateKey.generate())


def _forged_log(signer: Signer, rotated: bool) -> FastAPI:
    """Events 1 and 3 of the source (2 dropped), under a checkpoint ``signer`` signed; with
    ``rotated``, the genuine statement that retired OLD for NEW at size 3."""
    events = [
        sign(SOURCE, seq=n, type_="trip.approved", trip_id=uuid.UUID(int=n), data={"n": n})
        for n in (1, 2, 3)
    ]
    fork = [events[0].leaf, events[2].leaf]
    tree = merkle.CompactRange()
    for leaf in fork:
        tree.append(merkle.leaf_hash(leaf))
    note = signer.sign(Checkpoint(ORIGIN, len(fork), tree.root()).body())
    rotation = cosign(
        f"{ROTATION_HEADER}\n{ORIGIN}\nold {OLD.verifier}\nnew {NEW.verifier}\n3\n", [OLD, NEW]
    )
    rotations = [{"statement": rotation}] if rotated else []
    app = FastAPI()
    app.get("/v1/log/key", response_class=PlainTextResponse)(lambda: f"{NEW.verifier}\n")
    app.get("/v1/log/keys")(lambda: {"rotations": rotations})
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
        Server(_forged_log(OLD, rotated=True)) as forged,
        pytest.raises(VerificationFailedError, match="smaller than the size 3"),
    ):
        verify_log(forged.url, key=str(NEW.verifier), proofs=0)


def test_a_log_that_dropped_an_event_its_source_signed_fails() -> None:
    keys = SourceKeys.configured({SOURCE.name: [str(SOURCE.verifier)]})
    with (
        Server(_forged_log(NEW, rotated=False)) as forged,
        pytest.raises(VerificationFailedError, match="seq 2 of example-city/trips-api is not"),
    ):
        verify_log(forged.url, key=str(NEW.verifier), sources=keys, proofs=0)


def test_an_honest_log_that_withheld_its_own_notice_of_a_passed_seq_passes() -> None:
    """Withholding the notice that the log moved past seq 2 hides two seqs: the ledger's
    own seq of that notice, and seq 2 of the source, which only the notice accounted for."""
    own = Signer("example-city/ledger", OLD.private_key)
    passed = sign(
        own,
        seq=1,
        type_="source.seq_resolved",
        trip_id=NO_TRIP,
        data={"source": SOURCE.name, "seq": 2, "reason": "a passport number in a name"},
    )
    withheld = {"index": 1, "leaf_hash": merkle.leaf_hash(passed.leaf).hex()}
    notice = sign(
        own,
        seq=2,
        type_="entry.withheld",
        trip_id=NO_TRIP,
        data={**withheld, "reason": "privacy", "legal_basis": "Art. 17"},
    )
    leaves = [
        sign(SOURCE, seq=1, type_="trip.approved", trip_id=uuid.UUID(int=1), data={}).leaf,
        passed.leaf,
        sign(SOURCE, seq=3, type_="trip.approved", trip_id=uuid.UUID(int=3), data={}).leaf,
        notice.leaf,
    ]
    report = Report("", ORIGIN, len(leaves), b"", "", "", "")
    keys = SourceKeys.configured({SOURCE.name: [str(SOURCE.verifier)]})
    attest = Attestation(keys, [(OLD.verifier, None)], report)
    for index, leaf in enumerate(leaves):
        if index == 1:
            report.withheld.append(index)
        else:
            attest.check(index, leaf)
    attest.check_withheld([merkle.leaf_hash(leaf) for leaf in leaves])
    attest.check_sequences()  # raises if the two missing seqs were counted as one
    assert attest.passed == set()  # the only word on seq 2 is withheld
