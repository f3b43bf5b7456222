"""The auditor's verifier against a real ledger, honest and tampered with in its database."""

import base64
import json
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypedDict, Unpack

import pytest
from fastapi import FastAPI, Request, Response
from sqlalchemy import Executable, delete, update
from sqlmodel import Session, col

from ledger.log.models import Entry, Node, SignedCheckpoint, Withholding
from ledger.log.withhold import withhold
from ledger.testing import SOURCE, Ledger, serve
from periplus import audit, merkle
from periplus.checks import VerificationFailedError
from periplus.events import parse_envelope
from periplus.testing import Server
from periplus.verify import verify_log


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    with serve(database_url) as instance:
        yield instance


def tamper(ledger: Ledger, statement: Executable) -> None:
    with Session(ledger.engine) as session:
        session.execute(statement)
        session.commit()


class Options(TypedDict, total=False):
    key: str
    previous: str
    proofs: int


def failure(ledger: Ledger, **kwargs: Unpack[Options]) -> VerificationFailedError:
    with pytest.raises(VerificationFailedError) as caught:
        verify_log(ledger.url, **kwargs)
    return caught.value


def test_an_honest_log_verifies_and_stays_consistent_with_a_kept_checkpoint(
    ledger: Ledger,
) -> None:
    ledger.fill(20)
    first = verify_log(ledger.url, key=str(ledger.signer.verifier))
    assert (first.size, first.entries, first.key_source) == (20, 20, "given")
    assert first.history_checked == 2  # sizes 0 and 20
    ledger.fill(25)
    second = verify_log(ledger.url, previous=first.checkpoint, proofs=-1)
    assert (second.size, second.consistent_with, second.proofs_checked) == (45, 20, 45)
    assert "OK" in second.summary()


def test_a_checkpoint_signed_by_another_key_fails(ledger: Ledger) -> None:
    ledger.fill(3)
    other = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
    assert failure(ledger, key=other).check == "signature"


def test_a_changed_leaf_is_caught_at_its_index(ledger: Ledger) -> None:
    ledger.fill(30)
    forged = json.dumps({"forged": True}).encode()
    tamper(ledger, update(Entry).where(col(Entry.index) == 17).values(leaf=forged))
    caught = failure(ledger)
    assert (caught.check, caught.index) == ("leaf", 17)


def test_a_leaf_rewritten_with_its_hash_is_caught_at_its_index(ledger: Ledger) -> None:
    ledger.fill(30)
    forged = b'{"forged":true}'
    tamper(ledger, update(Entry).where(col(Entry.index) == 17).values(leaf=forged))
    tamper(
        ledger,
        update(Node)
        .where(col(Node.level) == 0, col(Node.index) == 17)
        .values(hash=merkle.leaf_hash(forged)),
    )
    caught = failure(ledger)
    assert caught.check == "history"  # the signed size-30 checkpoint no longer matches
    assert caught.index in {16, 17}  # the proofs use the forged leaf hash of 17 as well


def test_a_changed_interior_hash_is_caught_by_the_proofs_and_the_next_checkpoint(
    ledger: Ledger,
) -> None:
    ledger.fill(40)
    tamper(
        ledger,
        update(Node).where(col(Node.level) == 3, col(Node.index) == 4).values(hash=bytes(32)),
    )
    caught = failure(ledger, proofs=-1)
    assert caught.check == "inclusion"
    assert caught.index is not None
    assert caught.index < 32  # its proof has leaves 32..39 (the node) as a sibling
    ledger.fill(1)  # the writer now signs a root made from the forged node
    assert failure(ledger).check in {"history", "root"}


def test_deleted_last_entries_are_caught(ledger: Ledger) -> None:
    ledger.fill(30)
    kept = verify_log(ledger.url).checkpoint
    tamper(ledger, delete(Entry).where(col(Entry.index) >= 25))
    caught = failure(ledger)
    assert (caught.check, caught.index) == ("entries", 25)
    tamper(ledger, delete(SignedCheckpoint).where(col(SignedCheckpoint.size) > 25))
    ledger.append([], checkpoint=True)
    caught = failure(ledger, previous=kept)
    assert (caught.check, caught.index) == ("consistency", 25)


def test_withheld_bytes_keep_every_proof_valid(ledger: Ledger) -> None:
    ledger.fill(10)
    with Session(ledger.engine) as session:
        notice = withhold(
            session, 3, "a protected witness", "Court order 12/2026", ledger.own_signer
        )
        session.commit()
    ledger.append([], checkpoint=True)
    report = verify_log(ledger.url, proofs=-1)
    assert (report.size, report.withheld, notice) == (11, [3], 10)
    entries = ledger.get("/v1/log/entries", start=3, end=11).json()["entries"]
    assert entries[0]["leaf"] == ""
    assert entries[0]["event"] is None
    assert entries[0]["withheld"]["legal_basis"] == "Court order 12/2026"
    assert entries[0]["withheld"]["notice_index"] == 10
    assert entries[-1]["event"]["type"] == "entry.withheld"
    assert entries[-1]["event"]["data"]["index"] == 3


def test_the_command_saves_a_checkpoint_and_checks_against_it(
    ledger: Ledger, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ledger.fill(5)
    kept = tmp_path / "checkpoint.txt"
    assert audit.main(["--url", ledger.url, "--save", str(kept)]) == 0
    ledger.fill(5)
    assert audit.main(["--url", ledger.url, "--checkpoint", str(kept), "--proofs", "all"]) == 0
    assert "consistent with the kept checkpoint of size 5" in capsys.readouterr().out
    tamper(ledger, delete(Entry).where(col(Entry.index) >= 8))
    assert audit.main(["--url", ledger.url, "--checkpoint", str(kept)]) == 1
    assert "FAILED: entries at index 8" in capsys.readouterr().err


def test_bytes_withheld_without_a_public_notice_are_caught(ledger: Ledger) -> None:
    ledger.fill(6)
    with Session(ledger.engine) as session:
        withhold(session, 2, "a protected witness", "Court order 12/2026", ledger.own_signer)
        session.commit()
    ledger.append([], checkpoint=True)
    assert verify_log(ledger.url).withheld == [2]
    tamper(ledger, update(Entry).where(col(Entry.index) == 4).values(leaf=b""))
    with Session(ledger.engine) as session:
        quiet = Withholding(
            index=4,
            reason="none",
            legal_basis="none",
            notice_index=6,
            withheld_at=datetime.now(UTC),
        )
        session.add(quiet)
        session.commit()
    caught = failure(ledger)
    assert (caught.check, caught.index) == ("withheld", 4)


def hostile_front(ledger: Ledger, rewrite: Callable[[str, dict[str, Any]], None]) -> Server:
    """A server in front of the ledger that passes every answer on, after ``rewrite`` has
    changed the JSON of the paths it wants: the ledger's operator lying over HTTP."""
    app = FastAPI()

    @app.get("/{path:path}")
    def relay(path: str, request: Request) -> Response:
        answer = ledger.http.get(f"{ledger.url}/{path}", params=request.query_params)
        body = answer.content
        if answer.headers["content-type"].startswith("application/json"):
            value = answer.json()
            rewrite(f"/{path}", value)
            body = json.dumps(value).encode()
        return Response(body, answer.status_code, media_type=answer.headers["content-type"])

    return Server(app)


def test_a_notice_only_the_server_speaks_of_does_not_cover_erased_bytes(ledger: Ledger) -> None:
    ledger.fill(6)
    erased = ledger.get("/v1/log/entries", start=3, end=4).json()["entries"][0]

    def rewrite(path: str, value: dict[str, Any]) -> None:
        for item in value.get("entries", []):
            if path == "/v1/log/entries" and item["index"] == 3:
                withheld = {"reason": "-", "legal_basis": "-", "notice_index": 5}
                item.update(leaf="", event=None, withheld=withheld)
        if path == "/v1/audit/entries":  # a notice that no entry of the log holds
            data = {"index": 3, "leaf_hash": base64.b64decode(erased["leaf_hash"]).hex()}
            value["entries"] = [{"index": 5, "event": {"type": "entry.withheld", "data": data}}]
            value["next_after"] = None

    with hostile_front(ledger, rewrite) as front, pytest.raises(VerificationFailedError) as caught:
        verify_log(front.url, key=str(ledger.signer.verifier), proofs=-1)
    assert (caught.value.check, caught.value.index) == ("withheld", 3)


def test_an_unsigned_entry_passes_only_below_the_index_the_auditor_gives(ledger: Ledger) -> None:
    ledger.fill(4)
    unsigned = parse_envelope(
        {
            "spec": "periplus.event/1",
            "id": str(uuid.uuid4()),
            "source": SOURCE,
            "seq": 5,
            "type": "trip.approved",
            "trip_id": str(uuid.uuid4()),
            "occurred_at": "2026-03-01T10:00:00Z",
            "data": {"made": "by whoever holds the log key"},
        }
    )
    ledger.append([unsigned])
    caught = failure(ledger)
    assert (caught.check, caught.index) == ("source signature", 4)
    assert "unsigned" in caught.detail
    report = verify_log(ledger.url, unsigned_before=5)
    assert (report.entries, report.unsigned) == (5, 1)
