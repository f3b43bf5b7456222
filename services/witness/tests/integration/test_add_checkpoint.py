"""add-checkpoint over real HTTP on both databases: every answer tlog-witness names."""

import hashlib
import time
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from periplus.cosignature import cosignatures
from periplus.note import Signer, split_note
from periplus.policy import Policy, PolicyLog, PolicyWitness
from witness.testing import Log, RunningWitness, serve


def _policy(log: Log, witness: RunningWitness) -> Policy:
    key = witness.cosigner.key
    return Policy([PolicyLog(log.signer.verifier)], {"w": PolicyWitness("w", key)}, quorum="w")


def _problem(response: httpx.Response, status: int) -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    detail: str = response.json()["detail"]
    return detail


def _size_conflict(response: httpx.Response, size: int) -> None:
    assert response.status_code == 409
    assert response.headers["content-type"] == "text/x.tlog.size"
    assert response.content == f"{size}\n".encode()


def _latest(witness: RunningWitness, origin: str = "periplus.test/log") -> httpx.Response:
    digest = hashlib.sha256(origin.encode()).hexdigest()
    return witness.http.get(f"{witness.url}/{digest}/checkpoint")


def _evidence(witness: RunningWitness, after: int = 0) -> list[dict[str, object]]:
    response = witness.http.get(f"{witness.url}/v1/evidence", params={"after": after})
    assert response.status_code == 200
    records: list[dict[str, object]] = response.json()["evidence"]
    return records


def test_a_first_checkpoint_is_cosigned_and_the_answer_completes_the_note(
    witness: RunningWitness, log: Log
) -> None:
    log.grow(5)
    before = int(time.time())
    response = witness.submit(log.submission(0))
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain")
    line = response.text
    assert line.startswith("— witness.test/w1 ")
    assert line.endswith("\n")
    assert line.count("\n") == 1
    note = log.checkpoint() + line
    (when,) = cosignatures(note, [witness.cosigner.key]).values()
    assert before <= when <= int(time.time())
    assert _policy(log, witness).verify_checkpoint(note).cosigned == {"w": when}


def test_a_checkpoint_that_extends_the_last_one_is_cosigned(
    witness: RunningWitness, log: Log
) -> None:
    assert witness.submit(log.grow(5).submission(0)).status_code == 200
    for old, grow in [(5, 3), (8, 1), (9, 23), (32, 0)]:
        response = witness.submit(log.grow(grow).submission(old))
        assert response.status_code == 200, (old, response.text)
    assert witness.submit(log.grow(100).submission(32)).status_code == 200
    assert split_note(_latest(witness).text)[0] == log.body(132)


def test_an_empty_log_is_cosigned(witness: RunningWitness, log: Log) -> None:
    assert witness.submit(log.submission(0)).status_code == 200
    assert split_note(_latest(witness).text)[0] == log.body(0)
    assert witness.submit(log.grow(2).submission(0)).status_code == 200


def test_an_old_size_behind_the_stored_one_gets_the_stored_size(
    witness: RunningWitness, log: Log
) -> None:
    assert witness.submit(log.grow(5).submission(0)).status_code == 200
    _size_conflict(witness.submit(log.grow(4).submission(0)), 5)
    _size_conflict(witness.submit(log.submission(3)), 5)


def test_an_old_size_ahead_of_the_stored_one_gets_the_stored_size(
    witness: RunningWitness, log: Log
) -> None:
    assert witness.submit(log.grow(5).submission(0)).status_code == 200
    _size_conflict(witness.submit(log.grow(10).submission(9)), 5)


def test_a_client_that_knows_nothing_learns_the_size_from_a_409(
    witness: RunningWitness, log: Log
) -> None:
    assert witness.submit(log.grow(7).submission(0)).status_code == 200
    response = witness.submit(log.grow(3).submission(0))
    _size_conflict(response, 7)
    assert witness.submit(log.submission(int(response.text))).status_code == 200


def test_an_unknown_origin_is_404(witness: RunningWitness) -> None:
    stranger = Log("elsewhere.example/log").grow(2)
    assert "does not cosign 'elsewhere.example/log'" in _problem(
        witness.submit(stranger.submission(0)), 404
    )


def test_a_checkpoint_signed_by_no_trusted_key_is_403(witness: RunningWitness) -> None:
    impostor = Log(seed=2).grow(2)
    assert "no signature" in _problem(witness.submit(impostor.submission(0)), 403)
    assert _latest(witness).status_code == 404


def test_a_bad_signature_from_the_trusted_key_is_403(witness: RunningWitness, log: Log) -> None:
    body = log.grow(3).submission(0)
    forged = body.replace(log.body(), log.body().replace("\n3\n", "\n4\n"))
    assert "does not verify" in _problem(witness.submit(forged), 403)


def test_signatures_by_unknown_keys_are_ignored(witness: RunningWitness, log: Log) -> None:
    other = Signer("someone.example/else", Ed25519PrivateKey.generate())
    extra = other.sign(log.grow(3).body()).rpartition("\n\n")[2]
    assert witness.submit(log.submission(0) + extra).status_code == 200
    stored = split_note(_latest(witness).text)[1]
    assert [name for name, _ in stored] == ["periplus.test/log", "witness.test/w1"]


def test_an_old_size_above_the_new_size_is_400(witness: RunningWitness, log: Log) -> None:
    log.grow(3)
    body = f"old 4\n\n{log.checkpoint()}"
    assert "exceeds" in _problem(witness.submit(body), 400)


def test_a_malformed_body_is_400(witness: RunningWitness) -> None:
    assert "first line" in _problem(witness.submit("new 0\n\nx\n"), 400)


def test_64_proof_lines_are_400(witness: RunningWitness, log: Log) -> None:
    body = log.grow(3).submission(2, proof=[bytes(32)] * 64)
    assert "at most 63" in _problem(witness.submit(body), 400)


def test_an_oversized_body_is_413(witness: RunningWitness, log: Log) -> None:
    body = log.grow(1).submission(0) + "x" * 70_000
    assert witness.submit(body).status_code == 413


def test_a_size_0_checkpoint_with_another_root_is_422_and_kept(
    witness: RunningWitness, log: Log
) -> None:
    body = f"old 0\n\n{log.checkpoint(0, bytes(32))}"
    assert "size 0" in _problem(witness.submit(body), 422)
    (record,) = _evidence(witness)
    assert record["kind"] == "empty-root"
    assert record["submission"] == body
    assert _latest(witness).status_code == 404


def test_a_proof_from_size_0_is_422(witness: RunningWitness, log: Log) -> None:
    body = log.grow(4).submission(0, proof=[bytes(32)])
    assert "proof must be empty" in _problem(witness.submit(body), 422)
    assert _evidence(witness) == []


def test_a_failing_consistency_proof_is_422_and_kept(witness: RunningWitness, log: Log) -> None:
    assert witness.submit(log.grow(5).submission(0)).status_code == 200
    good = log.grow(4).proof(5)
    body = log.submission(5, proof=[good[0], bytes(32), *good[2:]])
    assert "does not show that size 9 extends size 5" in _problem(witness.submit(body), 422)
    (record,) = _evidence(witness)
    assert (record["kind"], record["size"], record["origin"]) == ("unproven", 9, log.signer.name)
    assert split_note(_latest(witness).text)[0] == log.body(5)
    assert witness.submit(log.submission(5)).status_code == 200


def test_a_fork_is_422_and_kept_with_both_checkpoints(witness: RunningWitness, log: Log) -> None:
    assert witness.submit(log.grow(6).submission(0)).status_code == 200
    cosigned = _latest(witness).text
    fork = Log().grow(5).append(b"another entry 5")
    forked = f"old 6\n\n{fork.checkpoint()}"
    assert "Another root for size 6" in _problem(witness.submit(forked), 422)
    assert "Another root" in _problem(witness.submit(forked), 422)
    (record,) = _evidence(witness)
    assert record["kind"] == "fork"
    assert record["submission"] == forked
    assert record["cosigned"] == cosigned
    assert _latest(witness).text == cosigned


def test_the_same_checkpoint_is_cosigned_again(witness: RunningWitness, log: Log) -> None:
    assert witness.submit(log.grow(6).submission(0)).status_code == 200
    assert witness.submit(log.submission(6)).status_code == 200
    assert split_note(_latest(witness).text)[0] == log.body(6)


def test_a_proof_from_a_size_to_itself_is_422(witness: RunningWitness, log: Log) -> None:
    assert witness.submit(log.grow(6).submission(0)).status_code == 200
    body = log.submission(6, proof=[bytes(32)])
    assert "proof is empty" in _problem(witness.submit(body), 422)
    assert _evidence(witness) == []


def test_evidence_pages_by_id(witness: RunningWitness, log: Log) -> None:
    assert witness.submit(log.grow(4).submission(0)).status_code == 200
    for size in (5, 6, 7):
        log.grow(1)
        witness.submit(log.submission(4, size=size, proof=[bytes(32)]))
    first, *rest = _evidence(witness)
    assert [r["size"] for r in [first, *rest]] == [5, 6, 7]
    assert [r["size"] for r in _evidence(witness, after=int(str(first["id"])))] == [6, 7]


@pytest.mark.parametrize("after", [2**31, 2**63, 10**24], ids=["2^31", "2^63", "10^24"])
def test_evidence_after_an_id_past_the_column_is_a_bad_request(
    witness: RunningWitness, after: int
) -> None:
    response = witness.http.get(f"{witness.url}/v1/evidence", params={"after": after})
    assert response.status_code == 422
    assert _evidence(witness, after=2**31 - 1) == []


def test_a_log_that_signs_forks_without_end_fills_its_evidence_and_no_more(
    database_url: str, log: Log, tmp_path: Path
) -> None:
    """The first refused checkpoints prove the fork; past the limit each is still refused
    (422) and counted, and the disk holds no more of them."""
    with serve(database_url, [log.signer.verifier], tmp_path, evidence_per_log=2) as witness:
        before = _not_kept(witness)
        assert witness.submit(log.grow(4).submission(0)).status_code == 200
        for size in (5, 6, 7, 8):
            log.grow(1)
            answer = witness.submit(log.submission(4, size=size, proof=[bytes(32)]))
            assert answer.status_code == 422
        assert [r["size"] for r in _evidence(witness)] == [5, 6]
        assert _not_kept(witness) == before + 2


def _not_kept(witness: RunningWitness) -> float:
    """The process's count of unproven checkpoints refused and not kept."""
    metrics = witness.http.get(f"{witness.url}/metrics").text
    line = 'witness_evidence_not_kept_total{kind="unproven"} '
    found = [float(m.removeprefix(line)) for m in metrics.splitlines() if m.startswith(line)]
    return found[0] if found else 0.0
