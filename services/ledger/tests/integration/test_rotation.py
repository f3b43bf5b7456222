"""Key rotation: a statement signed by both keys lets a verifier follow the chain."""

import base64
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine
from sqlmodel import Session

from ledger import cli
from ledger.ingest.service import Ingestor
from ledger.log.rotation import rotate
from ledger.main import MIGRATIONS
from ledger.settings import get_settings
from ledger.testing import SEED, Ledger, event, serve, signed_checkpoint_file
from periplus import audit, db
from periplus.checks import VerificationFailedError, key_chain, parse_rotation
from periplus.keyfile import from_seed
from periplus.note import Checkpoint, Signer
from periplus.policy import read_policy
from periplus.verify import verify_log


@pytest.fixture
def key_file(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    path = tmp_path / "keys" / "ledger.key"
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    monkeypatch.setenv("LEDGER_SIGNING_KEY_FILE", str(path))
    monkeypatch.setenv("LEDGER_ORIGIN", "periplus.test/ledger")
    monkeypatch.delenv("LEDGER_SIGNING_KEY", raising=False)
    get_settings.cache_clear()
    yield path
    get_settings.cache_clear()


def test_a_verifier_that_trusts_the_old_key_follows_the_rotation(
    database_url: str, key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    options = {"signing_key": None, "signing_key_file": key_file}
    with serve(database_url, **options) as before:
        before.fill(5)
        old = before.signer
        kept = verify_log(before.url).checkpoint
    assert key_file.stat().st_mode & 0o777 == 0o600
    assert cli.main(["rotate-key"]) == 0
    statement = capsys.readouterr().out
    assert statement.startswith("periplus.key-rotation/1\nperiplus.test/ledger\n")
    assert len(list(key_file.parent.glob("ledger.key.*.retired"))) == 1
    # The newest checkpoint, signed by the old key, is adopted as the record once lost.
    record = signed_checkpoint_file(database_url)
    record.unlink()
    assert cli.main(["adopt-checkpoint"]) == 0
    assert old.verifier.verify(record.read_text()).split("\n")[1] == "5"
    with serve(database_url, **options) as after:
        new_key = after.get("/v1/log/key").text.strip()
        assert new_key != str(old.verifier)
        after.seq = 5  # the source goes on from seq 5
        after.fill(3)
        report = verify_log(after.url, key=str(old.verifier), previous=kept)
        assert (report.size, report.key, report.consistent_with) == (8, new_key, 5)
        assert "followed through 1 rotation" in report.key_source
        rotations = after.get("/v1/log/keys").json()["rotations"]
        assert rotations[0]["tree_size"] == 5
        # The statement names the root the old key signed last, at that size.
        named = parse_rotation(rotations[0]["statement"])
        assert (named.size, named.root) == (
            5,
            Checkpoint.parse_body(kept.split("\n\n")[0] + "\n").root,
        )
        # The retired key may not sign past the size at which it was retired.
        late = old.sign(Checkpoint("periplus.test/ledger", 8, report.root).body())
        with pytest.raises(VerificationFailedError, match="retired at size 5"):
            verify_log(after.url, key=str(old.verifier), previous=late)
        forged = rotations[0]["statement"].replace("\n5\n", "\n7\n")
        with pytest.raises(VerificationFailedError, match="rotation statement"):
            key_chain([forged], old.verifier)


def test_a_process_whose_key_is_not_the_logs_refuses_to_sign(
    database_url: str, tmp_path: Path
) -> None:
    """A standby with another key, a lost key file, or a stale seed after a rotation."""
    kept = tmp_path / "ledger.key"
    with serve(database_url, signing_key=None, signing_key_file=kept) as ledger:
        ledger.fill(3)
        signed = ledger.get("/v1/log/checkpoint").text
        pinned = ledger.signer.verifier
    other = base64.b64encode(bytes(range(200, 232))).decode()
    with serve(database_url, signing_key=other) as standby:
        assert not standby.is_writer
        trip = uuid.uuid4()
        standby.append([event(4, trip), event(5, trip)], checkpoint=False)  # nobody signs them
        assert standby.get("/v1/log/checkpoint").text == signed
    lost = tmp_path / "lost.key"
    with serve(database_url, signing_key=None, signing_key_file=lost) as restarted:
        assert not restarted.is_writer
    assert not lost.exists()  # a new key is not kept: the next start fails the same way
    with serve(database_url, signing_key=None, signing_key_file=kept) as restored:
        assert restored.is_writer
        assert pinned.verify(restored.get("/v1/log/checkpoint").text)
        assert int(restored.get("/v1/log/checkpoint").text.split("\n")[1]) == 5


def test_a_new_key_is_refused_by_a_log_with_entries_and_no_checkpoint_yet(
    database_url: str, tmp_path: Path
) -> None:
    """Whoever appended the entries had a key, though none has signed a checkpoint yet."""
    engine = create_engine(database_url)
    db.upgrade(engine, MIGRATIONS)
    trip = uuid.uuid4()
    with Session(engine) as session, httpx.Client() as http:
        Ingestor(engine, {}, http).ingest(session, [event(seq, trip) for seq in (1, 2, 3)])
        session.commit()
    engine.dispose()
    lost = tmp_path / "lost.key"
    with serve(database_url, signing_key=None, signing_key_file=lost) as restarted:
        assert not restarted.is_writer
        assert restarted.get("/v1/log/checkpoint/latest").status_code == 503  # none signed
    assert not lost.exists()  # not kept: the next start fails the same way
    with serve(database_url) as restored:  # the log's key, from the environment
        assert restored.is_writer
        assert int(restored.get("/v1/log/checkpoint").text.split("\n")[1]) == 3


def test_after_a_rotation_a_stale_seed_refuses_to_sign(database_url: str) -> None:
    new_seed = base64.b64encode(bytes(range(64, 96))).decode()
    with serve(database_url) as ledger:
        ledger.fill(2)
        new = Signer(ledger.signer.name, from_seed(new_seed))
        with Session(ledger.engine) as session:
            rotate(session, ledger.signer, new)
            session.commit()
    with serve(database_url) as stale:
        assert not stale.is_writer
    with serve(database_url, signing_key=new_seed) as current:
        assert current.is_writer


def test_a_new_key_that_is_no_seed_is_refused_before_anything_changes(
    key_file: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    short = base64.b64encode(bytes(31)).decode()
    for seed, reason in (("not base64!", "not base64"), (short, "32 bytes, not 31")):
        assert cli.main(["rotate-key", "--new-key", seed]) == 1
        assert reason in capsys.readouterr().err
    assert not key_file.exists()  # no key made, none retired


def test_a_key_of_the_log_before_cannot_come_back(database_url: str) -> None:
    """A key back in force would make the rotations a circle, which every verifier refuses
    (it could not tell which key signs now): the ledger refuses to make one."""
    with serve(database_url) as ledger:
        ledger.fill(3)
        first, second = ledger.signer, Signer(ledger.signer.name, Ed25519PrivateKey.generate())
        with Session(ledger.engine) as session:
            rotate(session, first, second)
            session.commit()
            with pytest.raises(ValueError, match="was a key of this log before"):
                rotate(session, second, first)
            session.rollback()
        key = str(first.verifier)
        assert verify_log(ledger.url, key=key).key == str(second.verifier)


def test_receipts_check_offline_across_a_rotation_with_its_statements(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A reader who pins the new key checks a receipt the old key signed, and one who pins
    the old key a receipt the new key signed, given the rotation statements they kept;
    the old key's word past its rotation fails either way."""
    with serve(database_url) as ledger:
        ledger.fill(5)
        old, new = ledger.signer, Signer(ledger.signer.name, Ed25519PrivateKey.generate())
        before = tmp_path / "before.tlog-proof"
        before.write_text(ledger.get("/v1/log/receipt", index=2).text)
        with Session(ledger.engine) as session:
            rotate(session, old, new)
            session.commit()
        replace(ledger, signer=new).fill(3)
        after = tmp_path / "after.tlog-proof"
        after.write_text(ledger.get("/v1/log/receipt", index=6).text)
        rotations = tmp_path / "keys.json"
        rotations.write_text(ledger.get("/v1/log/keys").text)
        pins = {}
        for name, signer in (("old", old), ("new", new)):
            pins[name] = tmp_path / f"{name}.policy"
            pins[name].write_text(f"log {signer.verifier}\nquorum none\n")
    checks = [("new", before), ("old", after)]
    for pin, receipt in checks:
        argv = ["--receipt", str(receipt), "--policy", str(pins[pin])]
        assert audit.main(argv) == 1  # without the statements, the other key is no key
        assert audit.main([*argv, "--rotations", str(rotations)]) == 0, capsys.readouterr()
        assert capsys.readouterr().out.rstrip().endswith("OK")
    # The old key, leaked, signs the tree of size 8 in a receipt of its own making.
    forged = after.read_text().split("\n\n")[0]
    body = Checkpoint.parse_body(after.read_text().split("\n\n")[1] + "\n")
    late = tmp_path / "late.tlog-proof"
    late.write_text(forged + "\n\n" + old.sign(body.body()))
    argv = ["--receipt", str(late), "--policy", str(pins["new"]), "--rotations", str(rotations)]
    assert audit.main(argv) == 1
    assert "retired at size 5" in capsys.readouterr().err


def test_a_key_from_the_environment_rotates_to_a_seed_from_the_environment(
    database_url: str,
    key_file: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """LEDGER_NEW_SIGNING_KEY keeps the new seed off the command line, where every user of
    the host could read it (ps) and the shell's history would keep it."""
    with serve(database_url) as ledger:
        ledger.fill(3)
    monkeypatch.setenv("LEDGER_SIGNING_KEY", SEED)
    get_settings.cache_clear()
    assert cli.main(["rotate-key"]) == 1
    assert "set LEDGER_NEW_SIGNING_KEY" in capsys.readouterr().err
    new_seed = base64.b64encode(bytes(range(100, 132))).decode()
    monkeypatch.setenv("LEDGER_NEW_SIGNING_KEY", "not base64!")
    assert cli.main(["rotate-key"]) == 1
    assert "LEDGER_NEW_SIGNING_KEY: " in capsys.readouterr().err
    monkeypatch.setenv("LEDGER_NEW_SIGNING_KEY", new_seed)
    assert cli.main(["rotate-key"]) == 0
    assert not key_file.exists()  # the key lives in the environment: no file made
    new = Signer("periplus.test/ledger", from_seed(new_seed))
    with serve(database_url, signing_key=new_seed) as current:
        assert current.is_writer
        assert current.get("/v1/log/key").text.strip() == str(new.verifier)


@contextmanager
def _rotated_at_5(database_url: str) -> Iterator[tuple[Ledger, Signer, Signer]]:
    """A ledger of 5 entries under its first key, rotated to a new key that signs 3 more."""
    with serve(database_url) as ledger:
        ledger.fill(5)
        old, new = ledger.signer, Signer(ledger.signer.name, Ed25519PrivateKey.generate())
        with Session(ledger.engine) as session:
            rotate(session, old, new)
            session.commit()
        replace(ledger, signer=new).fill(3)
        yield ledger, old, new


@pytest.mark.parametrize(
    "first_origin",
    ["periplus.test/other-ledger", "periplus.test/ledger"],
    ids=["other-log", "same-log"],
)
def test_ledger_verify_online_follows_a_rotation_from_the_policys_second_log_key(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], first_origin: str
) -> None:
    """A policy names two log keys (another log's, or another key of this one, first); the
    log rotated from the second: online, as offline, trust follows it from there."""
    first = Signer(first_origin, Ed25519PrivateKey.generate())
    with _rotated_at_5(database_url) as (ledger, old, new):
        policy = tmp_path / "trust.policy"
        policy.write_text(f"log {first.verifier}\nlog {old.verifier}\nquorum none\n")
        kept = tmp_path / "kept.txt"
        argv = ["verify", "--url", ledger.url, "--policy", str(policy), "--proofs", "all"]
        assert cli.main([*argv, "--save", str(kept)]) == 0, capsys.readouterr().err
        out = capsys.readouterr().out
        assert (
            f"verifier key (from the trust policy, followed through 1 rotation(s)): {new.verifier}"
            in out
        )
        assert "signed checkpoint: size 8," in out
        assert "recomputed the root from all 8 entries: it matches" in out
        assert new.verifier.verify(kept.read_text())
        report = verify_log(ledger.url, policy=read_policy(policy))
        assert (report.size, report.key) == (8, str(new.verifier))
        # The second key, followed, is retired at size 5: its word on size 8 is no word.
        late = old.sign(Checkpoint(old.name, 8, report.root).body())
        (tmp_path / "late.txt").write_text(late)
        assert cli.main([*argv, "--checkpoint", str(tmp_path / "late.txt")]) == 1
        assert "FAILED: key: the kept checkpoint (size 8) is signed by a key retired at size 5" in (
            capsys.readouterr().err
        )


def test_ledger_verify_online_follows_no_rotation_from_a_key_the_policy_does_not_name(
    database_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The statement is genuine, signed by both its keys, but retires a key that none of the
    policy's two keys is, nor leads to: the new key's checkpoints are not the policy's log's."""
    with _rotated_at_5(database_url) as (ledger, old, new):
        others = [Signer(old.name, Ed25519PrivateKey.generate()) for _ in range(2)]
        policy = tmp_path / "trust.policy"
        policy.write_text("".join(f"log {o.verifier}\n" for o in others) + "quorum none\n")
        assert ledger.get("/v1/log/keys").json()["rotations"][0]["tree_size"] == 5
        argv = ["verify", "--url", ledger.url, "--policy", str(policy)]
        assert cli.main(argv) == 1
        err = capsys.readouterr().err
        assert "FAILED: signature: the current checkpoint: the note carries no signature" in err
        with pytest.raises(VerificationFailedError, match="the current checkpoint") as failed:
            verify_log(ledger.url, policy=read_policy(policy))
        assert failed.value.check == "signature"
        # The same log passes under a policy that names the key it rotated from, second.
        policy.write_text(f"log {others[0].verifier}\nlog {old.verifier}\nquorum none\n")
        assert cli.main(argv) == 0
        assert str(new.verifier) in capsys.readouterr().out
