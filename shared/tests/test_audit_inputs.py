"""What an attacker hands an auditor (an export, a receipt, a server's answers) fails the
check with a plain FAILED line and an exit code, never a traceback; and a policy file whose
comments hold bytes that are not UTF-8 is read, as tlog-policy keeps comments opaque."""

import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse

from periplus import audit, merkle
from periplus.note import Checkpoint, Signer
from periplus.policy import read_policy
from periplus.testing import Server

ORIGIN = "ledger.example/log"
LOG = Signer(ORIGIN, Ed25519PrivateKey.generate())
NOTE = LOG.sign(Checkpoint(ORIGIN, 1, merkle.leaf_hash(b"{}")).body())


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    path = tmp_path / "trust.policy"
    path.write_bytes(f"# caf\xe9 in Latin-1\nlog {LOG.verifier}\nquorum none\n".encode("latin-1"))
    return path


def _fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    assert audit.main(list(argv)) == 1
    # Other lines may be a test server's logs; the check's own verdict is one line.
    [verdict] = [line for line in capsys.readouterr().err.splitlines() if "FAILED" in line]
    assert verdict.startswith("FAILED: ")
    return verdict


def test_a_policy_whose_comment_is_not_utf8_is_read(policy: Path) -> None:
    assert [str(log.key) for log in read_policy(policy).logs] == [str(LOG.verifier)]


def test_an_export_line_that_is_no_object_fails_cleanly(
    tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    export = tmp_path / "log.jsonl"
    export.write_text(json.dumps({"checkpoint": NOTE, "tree_size": 1}) + "\n[0]\n")
    err = _fails(capsys, "--export", str(export), "--policy", str(policy))
    assert "not a JSON object" in err


@pytest.mark.parametrize("flag", ["--export", "--receipt"])
def test_a_file_that_is_not_utf8_fails_cleanly(
    flag: str, tmp_path: Path, policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    given = tmp_path / "given"
    given.write_bytes(json.dumps({"checkpoint": NOTE, "tree_size": 1}).encode() + b"\n\xff\n")
    err = _fails(capsys, flag, str(given), "--policy", str(policy))
    assert "not UTF-8" in err or "names no checkpoint" in err


def test_rotations_that_are_no_list_fail_cleanly(
    policy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = FastAPI()
    app.get("/v1/log/key", response_class=PlainTextResponse)(lambda: f"{LOG.verifier}\n")
    app.get("/v1/log/keys")(lambda: {"rotations": {"a": 1}})
    app.get("/v1/log/checkpoint", response_class=PlainTextResponse)(lambda: NOTE)
    with Server(app) as served:
        err = _fails(capsys, "--url", served.url, "--policy", str(policy))
    assert "no list of rotations" in err
