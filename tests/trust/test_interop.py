"""Others' code accepts ours: Go's sumdb/note and sumdb/tlog check our checkpoints, the
witnesses' cosignatures, the proofs and the sources' signatures (tests/trust/interop)."""

import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import pytest

from ledger.testing import SOURCE_SIGNER, Ledger, event
from periplus.testing import apt_install
from tests.trust.conftest import LOG_SIGNER, WitnessedLog

# What Go checks is the bytes we serve, the same from either database: it runs on SQLite.
pytestmark = pytest.mark.backends("sqlite")

PROGRAM = Path(__file__).parent / "interop" / "main.go"
GOPATH = Path("/usr/share/gocode")
PACKAGES = ("golang-go", "golang-golang-x-mod-dev")


@pytest.fixture(scope="session")
def checker(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Go program, built against Debian's golang.org/x/mod (installed if missing)."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if (
        not (GOPATH / "src/golang.org/x/mod/sumdb/note").exists()
        or not Path("/usr/bin/go").exists()
    ):
        try:
            apt_install(*PACKAGES)
        except (OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"Go and golang.org/x/mod are not installed and apt-get failed: {exc}")
    folder = tmp_path_factory.mktemp("interop")
    binary = folder / "interop"
    go = {**env, "GO111MODULE": "off", "GOPATH": str(GOPATH), "GOCACHE": str(folder / "cache")}
    subprocess.run(
        ["go", "build", "-o", str(binary), str(PROGRAM)],
        check=True,
        capture_output=True,
        timeout=600,
        env=go,
    )
    return binary


def case(ledger: Ledger, note: str, witness_keys: list[str], old: str | None) -> dict[str, Any]:
    size = int(note.split("\n")[1])
    entries = ledger.get("/v1/log/entries", start=0, end=size).json()["entries"]
    proven = [
        {
            "index": e["index"],
            "leaf": e["leaf"],
            "proof": ledger.get("/v1/log/proof/inclusion", index=e["index"], tree_size=size).json()[
                "hashes"
            ],
        }
        for e in entries
    ]
    value: dict[str, Any] = {
        "log_key": str(LOG_SIGNER.verifier),
        "witness_keys": witness_keys,
        "source_key": str(SOURCE_SIGNER.verifier),
        "note": note,
        "entries": proven,
    }
    if old is not None:
        old_size, old_root = int(old.split("\n")[1]), old.split("\n")[2]
        value["old_size"], value["old_root"] = old_size, old_root
        value["consistency"] = ledger.get(
            "/v1/log/proof/consistency", first=old_size, second=size
        ).json()["hashes"]
    return value


def run(checker: Path, folder: Path, value: dict[str, Any]) -> subprocess.CompletedProcess[str]:
    path = folder / f"case-{uuid.uuid4().hex[:6]}.json"
    path.write_text(json.dumps(value))
    return subprocess.run([str(checker), str(path)], capture_output=True, text=True, timeout=60)


def test_go_verifies_checkpoints_cosignatures_proofs_and_source_signatures(
    checker: Path, witnessed_log: WitnessedLog, tmp_path: Path
) -> None:
    log = witnessed_log(2, quorum="all")
    ledger = log.ledger
    trip = uuid.uuid4()
    ledger.append([event(seq, trip, data={"n": seq, "name": "São Paulo"}) for seq in (1, 2, 3)])
    assert log.cosign()
    old = ledger.get("/v1/log/checkpoint").text
    ledger.append([event(seq, trip, data={"n": seq}) for seq in range(4, 12)])
    assert log.cosign()
    note = ledger.get("/v1/log/checkpoint").text
    keys = [str(w.cosigner.key) for w in log.witnesses]

    good = run(checker, tmp_path, case(ledger, note, keys, old))
    assert good.returncode == 0, good.stderr
    assert good.stdout.strip() == "OK: 3 signatures, 11 entries, size 11"

    tampered = case(ledger, note, keys, old)
    tampered["entries"][4]["leaf"] = tampered["entries"][5]["leaf"]
    refused = run(checker, tmp_path, tampered)
    assert refused.returncode == 1
    assert "inclusion of 4" in refused.stderr

    forged_witness = case(ledger, note.replace(note.split("\n")[-2][-20:], "A" * 20), keys, None)
    refused = run(checker, tmp_path, forged_witness)
    assert refused.returncode == 1
    assert "note.Open" in refused.stderr

    wrong_old = case(ledger, note, keys, old)
    wrong_old["old_root"] = wrong_old["entries"][0]["proof"][0]
    refused = run(checker, tmp_path, wrong_old)
    assert refused.returncode == 1
    assert "consistency 3 -> 11" in refused.stderr
