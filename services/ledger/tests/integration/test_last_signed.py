"""A ledger whose database was rolled back refuses to sign, says why, and serves reads.

The database is copied after three entries, grows to five (signed), and the
old copy is put back in its place; the file that records the newest
checkpoint signed, outside the database, is kept. A record lost beside a log
with checkpoints is refused too, until an operator adopts the database's
newest checkpoint (``ledger adopt-checkpoint``); a new log needs no record.
"""

import base64
import logging
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from ledger import cli, state
from ledger.log.last_signed import RollbackError
from ledger.log.models import KeyRotation
from ledger.log.repository import latest_checkpoint, tree_size
from ledger.log.service import sign_checkpoint
from ledger.main import MIGRATIONS
from ledger.settings import get_settings
from ledger.testing import SEED, Ledger, event, serve
from periplus import db
from periplus.checks import ROTATION_HEADER
from periplus.events import Envelope
from periplus.note import Checkpoint, Signer

TRIP = uuid.UUID("0b5e6c1a-4a8e-4f51-9d0b-6f3c2f1e7a10")
FIRST = [event(seq, TRIP) for seq in (1, 2, 3)]
LATER = [event(seq, TRIP) for seq in (4, 5)]


def sign(ledger: Ledger) -> None:
    """Sign as the service does: checked against, and recorded in, the file."""
    with Session(ledger.engine) as session:
        sign_checkpoint(session, ledger.signer, state.of(ledger.app).keys.last_signed)
        session.commit()


def append(ledger: Ledger, envelopes: list[Envelope]) -> None:
    ledger.append(envelopes, checkpoint=False)
    sign(ledger)


def signing(ledger: Ledger) -> dict[str, Any]:
    """The ``signing`` check of ``/readyz``."""
    return dict(ledger.get("/readyz").json()["checks"]["signing"])


def size(note: str) -> int:
    return int(note.split("\n")[1])


@pytest.fixture
def copy_database(database_url: str) -> Iterator[Callable[[str], str]]:
    """Copies of the test's database, as a backup would be taken (the ledger stopped)."""
    url = make_url(database_url)
    made: list[str] = []
    admin = None
    if url.get_backend_name() == "postgresql":
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")

    def copy(label: str) -> str:
        if admin is None:
            target = Path(str(url.database)).with_name(f"{label}.db")
            with sqlite3.connect(str(url.database)) as source, sqlite3.connect(target) as copied:
                source.backup(copied)
            return f"sqlite:///{target}"
        name = f"{url.database}_{label}"
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}" TEMPLATE "{url.database}"')
        made.append(name)
        return url.set(database=name).render_as_string(hide_password=False)

    yield copy
    if admin is not None:
        with admin.connect() as connection:
            for name in made:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


def test_a_rolled_back_database_is_refused_until_it_holds_what_was_signed_again(
    database_url: str,
    tmp_path: Path,
    copy_database: Callable[[str], str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    record = tmp_path / "ledger.checkpoint"
    with serve(database_url, signed_checkpoint_file=record) as ledger:
        append(ledger, FIRST)
        assert record.read_text() == ledger.get("/v1/log/checkpoint").text
    backup, older_backup = copy_database("backup"), copy_database("backup2")
    with serve(database_url, signed_checkpoint_file=record) as ledger:
        append(ledger, LATER)
        published = ledger.get("/v1/log/checkpoint").text
        assert size(published) == 5
        assert record.read_text() == published

    caplog.set_level(logging.CRITICAL, logger="ledger.log.last_signed")
    with serve(backup, signed_checkpoint_file=record) as restored:
        ready = restored.get("/readyz")
        assert ready.status_code == 200  # it serves reads: what it holds still verifies
        assert signing(restored) == {
            "status": "failing",
            "required": False,
            "error": "the database holds 3 entries, fewer than the checkpoint this ledger "
            f"signed at size 5 ({record}): it was rolled back or restored from an older copy",
            "tree_size": 3,
        }
        assert "ledger_signing_refused 1.0" in restored.get("/metrics").text
        refusals = [r for r in caplog.records if r.getMessage() == "refusing to sign checkpoints"]
        assert len(refusals) == 1  # at start, once however often it is checked again
        assert "restored from an older copy" in refusals[0].reason  # type: ignore[attr-defined]
        assert size(restored.get("/v1/log/checkpoint").text) == 3
        assert len(restored.get("/v1/log/entries", start=0, end=10).json()["entries"]) == 3
        assert restored.get("/v1/log/proof/inclusion", index=1, tree_size=3).status_code == 200

        # Other events under the same seqs: size 5 again, but another tree.
        other = [event(seq, TRIP, data={"n": -seq}) for seq in (4, 5)]
        restored.append(other, checkpoint=False)
        with pytest.raises(RollbackError, match="other entries appended"):
            sign(restored)
        assert size(restored.get("/v1/log/checkpoint").text) == 3
        assert signing(restored)["error"].startswith("the tree's root at size 5 is ")
        assert record.read_text() == published

    with serve(older_backup, signed_checkpoint_file=record) as restored:
        # The same events appended again in the same order: the tree holds what was signed.
        append(restored, LATER)
        assert restored.get("/v1/log/checkpoint").text == published
        assert signing(restored) == {
            "status": "ok",
            "required": False,
            "tree_size": 5,
            "signed_size": 5,
        }
        assert "ledger_signing_refused 0.0" in restored.get("/metrics").text


def test_a_record_of_another_log_or_unreadable_is_refused(
    database_url: str, tmp_path: Path
) -> None:
    record = tmp_path / "ledger.checkpoint"
    with serve(database_url, signed_checkpoint_file=record, origin="periplus.test/other"):
        pass
    with serve(database_url, signed_checkpoint_file=record) as ledger:
        assert signing(ledger)["error"] == (
            f"the checkpoint this ledger signed at size 0 ({record}) is of the log "
            "periplus.test/other, not periplus.test/ledger"
        )
    shutil.copyfile(__file__, record)
    with serve(database_url, signed_checkpoint_file=record) as ledger:
        assert signing(ledger)["error"].startswith(f"{record} holds no signed checkpoint")


@pytest.fixture
def commands(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """What the ledger's commands read: the served ledgers' database, key and origin."""
    monkeypatch.setenv("LEDGER_DATABASE_URL", database_url)
    monkeypatch.setenv("LEDGER_SIGNING_KEY", SEED)
    monkeypatch.setenv("LEDGER_ORIGIN", "periplus.test/ledger")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def adopt(record: Path, capsys: pytest.CaptureFixture[str], **env: str) -> tuple[int, str]:
    """``ledger adopt-checkpoint`` writing ``record``: its exit status and what it said."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEDGER_SIGNED_CHECKPOINT_FILE", str(record))
        for name, value in env.items():
            patch.setenv(name, value)
        get_settings.cache_clear()
        status = cli.main(["adopt-checkpoint"])
    get_settings.cache_clear()
    said = capsys.readouterr()
    told = [line for line in said.err.splitlines(keepends=True) if not line.startswith("{")]
    return status, said.out + "".join(told)  # the lines in JSON are the logs


def test_a_lost_record_is_refused_on_a_log_with_checkpoints_until_adopted(
    database_url: str,
    tmp_path: Path,
    commands: None,
    caplog: pytest.LogCaptureFixture,
    capsys: pytest.CaptureFixture[str],
) -> None:
    record = tmp_path / "ledger.checkpoint"
    with serve(database_url, signed_checkpoint_file=record) as ledger:
        append(ledger, FIRST)
        published = ledger.get("/v1/log/checkpoint").text
    record.unlink()  # the volume lost, or a version that kept no record

    caplog.set_level(logging.CRITICAL, logger="ledger.log.last_signed")
    with serve(database_url, signed_checkpoint_file=record) as ledger:
        missing = (
            f"{record} is missing, but the database holds signed checkpoints: the file was "
            "lost, or this log was signed by a version that kept none. If the database holds "
            "every checkpoint this ledger signed, run `ledger adopt-checkpoint`; if not, put "
            "there the newest checkpoint its witnesses cosigned"
        )
        assert ledger.get("/readyz").status_code == 200  # it serves reads
        assert signing(ledger) == {
            "status": "failing",
            "required": False,
            "error": missing,
            "tree_size": 3,
        }
        assert "ledger_signing_refused 1.0" in ledger.get("/metrics").text
        ledger.append(LATER, checkpoint=False)
        with pytest.raises(RollbackError, match="is missing"):
            sign(ledger)
        assert ledger.get("/v1/log/checkpoint").text == published
        refusals = [r for r in caplog.records if r.getMessage() == "refusing to sign checkpoints"]
        assert [r.reason for r in refusals] == [missing]  # type: ignore[attr-defined]
        assert not record.exists()

        other = base64.b64encode(bytes(range(100, 132))).decode()
        status, said = adopt(record, capsys, LEDGER_SIGNING_KEY=other)
        assert (status, record.exists()) == (1, False)
        assert "not adopted: the database's checkpoint at size 3 does not verify" in said

        assert adopt(record, capsys) == (
            0,
            f"{record} records the checkpoint at size 3: the ledger signs again\n",
        )
        assert record.read_text() == published
        sign(ledger)  # the running ledger takes the record up, no restart
        assert size(ledger.get("/v1/log/checkpoint").text) == 5
        assert signing(ledger)["signed_size"] == 5
        assert "ledger_signing_refused 0.0" in ledger.get("/metrics").text

    signed = record.read_text()
    status, said = adopt(record, capsys)
    assert (status, said) == (1, f"not adopted: {record} exists; it is never replaced\n")
    assert record.read_text() == signed


def test_adoption_trusts_no_rotation_row_that_both_its_keys_did_not_sign(
    database_url: str, tmp_path: Path, commands: None, capsys: pytest.CaptureFixture[str]
) -> None:
    """Someone with the database and a key of their own writes a rotation from their key
    and re-signs the newest checkpoint with it: the row alone vouches for nothing."""
    record = tmp_path / "ledger.checkpoint"
    with serve(database_url, signed_checkpoint_file=record) as ledger:
        append(ledger, FIRST)
        origin = ledger.get("/v1/log/checkpoint").text.split("\n")[0]
    record.unlink()
    thief = Signer(origin, Ed25519PrivateKey.from_private_bytes(bytes(range(140, 172))))
    engine = db.make_engine(database_url)
    with Session(engine) as session:
        latest = latest_checkpoint(session)
        assert latest is not None
        latest.note = thief.sign(Checkpoint(origin, latest.size, latest.root).body())
        root = base64.b64encode(latest.root).decode()
        text = f"{ROTATION_HEADER}\n{origin}\nold {thief.verifier}\nnew {thief.verifier}\n"
        session.add(latest)
        session.add(
            KeyRotation(
                old_key=str(thief.verifier),
                new_key=str(thief.verifier),
                tree_size=latest.size,
                statement=thief.sign(f"{text}{latest.size}\n{root}\n"),
                rotated_at=datetime.now(UTC),
            )
        )
        session.commit()
    engine.dispose()
    status, said = adopt(record, capsys)
    assert (status, record.exists()) == (1, False)
    assert "not adopted: the log's key rotations do not check" in said


def test_a_new_log_signs_without_a_record_and_has_none_to_adopt(
    database_url: str, tmp_path: Path, commands: None, capsys: pytest.CaptureFixture[str]
) -> None:
    record = tmp_path / "ledger.checkpoint"
    engine = create_engine(database_url)
    db.upgrade(engine, MIGRATIONS)
    engine.dispose()
    assert adopt(record, capsys) == (
        1,
        "not adopted: the database holds no checkpoint; a new log signs its first without this\n",
    )
    with serve(database_url, signed_checkpoint_file=record) as ledger:
        assert ledger.is_writer
        assert size(ledger.get("/v1/log/checkpoint").text) == 0  # signed as it became writer
        append(ledger, FIRST)
        assert record.read_text() == ledger.get("/v1/log/checkpoint").text
        assert signing(ledger) == {
            "status": "ok",
            "required": False,
            "tree_size": 3,
            "signed_size": 3,
        }


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["rotate-key"], "not rotated"),
        (
            ["withhold", "--index", "1", "--reason", "a court order", "--legal-basis", "Art. 17"],
            "not withheld",
        ),
    ],
    ids=["rotate-key", "withhold"],
)
def test_a_command_that_signs_is_refused_while_the_record_is_lost_and_changes_nothing(
    database_url: str,
    tmp_path: Path,
    commands: None,
    capsys: pytest.CaptureFixture[str],
    command: list[str],
    said: str,
) -> None:
    """A rotation or a notice would stand in the log with no checkpoint that could cover it."""
    record = tmp_path / "ledger.checkpoint"
    with serve(database_url, signed_checkpoint_file=record) as ledger:
        append(ledger, FIRST)
    record.unlink()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LEDGER_SIGNED_CHECKPOINT_FILE", str(record))
        patch.setenv("LEDGER_NEW_SIGNING_KEY", base64.b64encode(bytes(range(100, 132))).decode())
        get_settings.cache_clear()
        code = cli.main(command)
    get_settings.cache_clear()
    assert code == 1
    assert f"{said}: {record} is missing, but the database" in capsys.readouterr().err
    engine = db.make_engine(database_url)
    with Session(engine) as session:
        assert tree_size(session) == 3
    engine.dispose()
    with serve(database_url, signed_checkpoint_file=record) as ledger:
        assert ledger.get("/v1/log/keys").json()["rotations"] == []
