"""The monitoring path and the operations endpoints of a witness."""

import hashlib

from periplus.note import split_note
from periplus.policy import Policy, PolicyLog, PolicyWitness
from witness.testing import Log, RunningWitness


def _path(origin: str) -> str:
    return f"/{hashlib.sha256(origin.encode()).hexdigest()}/checkpoint"


def test_a_log_never_cosigned_is_404(witness: RunningWitness, log: Log) -> None:
    response = witness.http.get(witness.url + _path(log.signer.name))
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


def test_the_latest_cosigned_checkpoint_carries_the_log_and_witness_signatures(
    witness: RunningWitness, log: Log
) -> None:
    answers = []
    for old, grow in [(0, 4), (4, 6)]:
        response = witness.submit(log.grow(grow).submission(old))
        assert response.status_code == 200
        answers.append(response.text)
    response = witness.http.get(witness.url + _path(log.signer.name))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    assert response.text == log.checkpoint() + answers[-1]
    policy = Policy(
        [PolicyLog(log.signer.verifier)],
        {"w": PolicyWitness("w", witness.cosigner.key)},
        quorum="w",
    )
    assert policy.verify_checkpoint(response.text).checkpoint.size == 10


def test_only_the_checked_log_signature_is_kept(witness: RunningWitness, log: Log) -> None:
    impostor = Log(seed=9).grow(3)
    extra = (
        impostor.checkpoint()
        .rpartition("\n\n")[2]
        .replace(impostor.signer.name, "impostor.example/log")
    )
    assert witness.submit(log.grow(3).submission(0) + extra).status_code == 200
    note = witness.http.get(witness.url + _path(log.signer.name)).text
    assert [name for name, _ in split_note(note)[1]] == [log.signer.name, "witness.test/w1"]


def test_an_origin_hash_that_is_not_lowercase_hex_is_404(witness: RunningWitness, log: Log) -> None:
    assert witness.submit(log.grow(1).submission(0)).status_code == 200
    path = _path(log.signer.name)
    assert (
        witness.http.get(witness.url + path.upper().replace("CHECKPOINT", "checkpoint")).status_code
        == 404
    )
    assert witness.http.get(witness.url + "/periplus.test%2Flog/checkpoint").status_code == 404


def test_readiness_checks_the_database_and_no_broker(witness: RunningWitness) -> None:
    response = witness.http.get(f"{witness.url}/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": {"status": "ok", "required": True}}
    assert witness.http.get(f"{witness.url}/healthz").json() == {"status": "ok"}


def test_metrics_count_answers_by_status(witness: RunningWitness, log: Log) -> None:
    witness.submit("nonsense")
    metrics = witness.http.get(f"{witness.url}/metrics").text
    assert 'service="witness"' in metrics
    assert 'route="/add-checkpoint",service="witness",status="400"' in metrics


def test_the_openapi_document_describes_the_witness(witness: RunningWitness) -> None:
    paths = witness.http.get(f"{witness.url}/openapi.json").json()["paths"]
    assert {"/add-checkpoint", "/{origin_hash}/checkpoint", "/v1/evidence"} <= set(paths)
    responses = paths["/add-checkpoint"]["post"]["responses"]
    assert "text/x.tlog.size" in responses["409"]["content"]
