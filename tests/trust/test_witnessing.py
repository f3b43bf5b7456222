"""Witnesses cosign the log's checkpoints; readers get only what a quorum vouched for."""

import json
import uuid
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from ledger.log.service import sign_checkpoint
from ledger.log.withhold import withhold
from ledger.testing import SOURCE_SIGNER, event
from periplus import audit
from periplus.note import NoteError
from periplus.sources import SourceKeys
from periplus.verify import verify_log
from tests.trust.conftest import LOG_SIGNER, WitnessedLog


def sources() -> SourceKeys:
    return SourceKeys.configured({SOURCE_SIGNER.name: [str(SOURCE_SIGNER.verifier)]})


def test_the_checkpoint_is_served_once_the_quorum_cosigned_it(
    witnessed_log: WitnessedLog,
) -> None:
    log = witnessed_log(1)
    ledger = log.ledger
    ledger.fill(5)
    before = ledger.get("/v1/log/checkpoint")
    assert before.status_code == 503
    assert "quorum" in before.json()["detail"]
    assert ledger.get("/v1/log/checkpoint/latest").text.split("\n")[1] == "5"
    assert log.cosign()
    note = ledger.get("/v1/log/checkpoint").text
    verified = log.policy.verify_checkpoint(note)
    assert (verified.checkpoint.size, sorted(verified.cosigned)) == (5, ["w1"])
    assert note.count("\u2014 ") == 2  # the log's signature and the witness's
    assert ledger.get("/checkpoint").text == note
    [state] = ledger.get("/v1/log/witnesses").json()["witnesses"]
    assert (state["name"], state["size"], state["problem"]) == ("w1", 5, None)
    report = verify_log(ledger.url, policy=log.policy, sources=sources(), proofs=-1)
    assert (report.size, report.cosigned_by, report.signatures_checked) == (5, ["w1"], 5)


def test_a_quorum_of_two_of_three_holds_with_one_witness_unreachable(
    witnessed_log: WitnessedLog,
) -> None:
    log = witnessed_log(3, quorum="2", unreachable=3)
    log.ledger.fill(4)
    assert log.cosign()
    verified = log.policy.verify_checkpoint(log.ledger.get("/v1/log/checkpoint").text)
    assert sorted(verified.cosigned) == ["w1", "w2"]
    states = {w["name"]: w for w in log.ledger.get("/v1/log/witnesses").json()["witnesses"]}
    assert states["w3"]["problem"].startswith("unreachable")
    assert states["w3"]["size"] in (None, 0)


def test_a_witness_that_holds_a_later_size_says_so_and_the_log_resumes_from_it(
    witnessed_log: WitnessedLog,
) -> None:
    log = witnessed_log(1)
    log.ledger.fill(3)
    assert log.cosign()
    with log.ledger.engine.begin() as connection:
        connection.execute(text("DELETE FROM witness_state"))  # the log forgot: it sends old 0
    log.ledger.fill(2)
    assert log.cosign()
    [state] = log.ledger.get("/v1/log/witnesses").json()["witnesses"]
    assert (state["size"], state["problem"]) == (5, None)


def _fork(log_engine: object, keep: int) -> None:
    """Rewrite history after ``keep`` entries, as an operator with the database could."""
    engine = log_engine
    with engine.begin() as connection:  # type: ignore[attr-defined]
        connection.execute(text('DELETE FROM entry WHERE "index" >= :k'), {"k": keep})
        for level in range(0, 16):
            connection.execute(
                text('DELETE FROM node WHERE level = :l AND ("index" + 1) * :w > :k'),
                {"l": level, "w": 2**level, "k": keep},
            )
        connection.execute(text("UPDATE source_state SET last_seq = :k"), {"k": keep})


def test_a_fork_shown_to_a_witness_is_refused_and_never_served(
    witnessed_log: WitnessedLog,
) -> None:
    log = witnessed_log(1)
    ledger = log.ledger
    trip = uuid.uuid4()
    ledger.append([event(seq, trip) for seq in range(1, 5)])
    assert log.cosign()
    honest = ledger.get("/v1/log/checkpoint").text
    _fork(ledger.engine, keep=2)
    ledger.append([event(seq, trip, data={"rewritten": seq}) for seq in range(3, 7)])
    assert ledger.get("/v1/log/checkpoint/latest").text.split("\n")[1] == "6"
    assert not log.cosign()
    [state] = ledger.get("/v1/log/witnesses").json()["witnesses"]
    assert state["problem"].startswith("inconsistent: answered 422")
    assert ledger.get("/v1/log/checkpoint").text == honest  # readers still get size 4
    evidence = log.witnesses[0].http.get(f"{log.witnesses[0].url}/v1/evidence").json()
    assert "\n6\n" in json.dumps(evidence).replace("\\n", "\n")  # the forked size


def test_receipts_and_exports_verify_offline_under_the_readers_policy(
    witnessed_log: WitnessedLog, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    log = witnessed_log(1)
    ledger = log.ledger
    trip = uuid.uuid4()
    ledger.append(
        [
            event(
                1,
                trip,
                "trip.approved",
                {"trip": {"reference": "MVD-2026-0007", "title": "Urban mobility"}},
            )
        ]
    )
    ledger.seq = 1
    ledger.fill(6)
    assert ledger.get("/v1/log/receipt", index=2).status_code == 404  # not cosigned yet
    assert log.cosign()
    receipt = ledger.get("/v1/log/receipt", index=0)
    assert receipt.headers["content-disposition"].endswith('entry-0.tlog-proof"')
    kept = tmp_path / "entry-0.tlog-proof"
    kept.write_text(receipt.text)
    key = str(SOURCE_SIGNER.verifier)
    policy = str(log.policy_file)
    assert audit.main(["--receipt", str(kept), "--policy", policy, "--source-key", key]) == 0
    said = capsys.readouterr().out
    assert "entry 0 of periplus.test/ledger is in the log" in said
    assert "cosigned by w1" in said
    assert "signature verifies under the pinned key" in said
    assert "trip MVD-2026-0007" in said
    assert "Urban mobility" in said

    forged = receipt.text.replace(receipt.text.split("\n")[1], "extra " + "e30=")
    kept.write_text(forged)
    assert audit.main(["--receipt", str(kept), "--policy", policy]) == 1
    assert "does not place this entry" in capsys.readouterr().err

    export = tmp_path / "log.jsonl"
    export.write_text(ledger.get("/v1/audit/export.jsonl").text)
    assert audit.main(["--export", str(export), "--policy", policy, "--source-key", key]) == 0
    assert "source signatures checked: 7" in capsys.readouterr().out
    lines = export.read_text().splitlines()
    entry = json.loads(lines[3])
    entry["leaf"] = entry["leaf"][:-4] + "AAA="
    export.write_text("\n".join([*lines[:3], json.dumps(entry), *lines[4:]]) + "\n")
    assert audit.main(["--export", str(export), "--policy", policy]) == 1

    with Session(ledger.engine) as session:
        withhold(session, 1, "a protected name", "Law 1/2026", ledger.own_signer)
        session.commit()
        sign_checkpoint(session, ledger.signer)
        session.commit()
    assert log.cosign()
    assert ledger.get("/v1/log/receipt", index=1).status_code == 451


def test_a_checkpoint_without_the_quorum_is_refused_by_a_reader(
    witnessed_log: WitnessedLog,
) -> None:
    log = witnessed_log(1)
    log.ledger.fill(2)
    bare = log.ledger.get("/v1/log/checkpoint/latest").text
    with pytest.raises(NoteError, match="does not meet the policy's quorum"):
        log.policy.verify_checkpoint(bare)
    assert LOG_SIGNER.verifier.verify(bare)
