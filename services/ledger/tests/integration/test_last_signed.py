"""A ledger whose database was rolled back refuses to sign, says why, and serves reads.

The database is copied after three entries, grows to five (signed), and the
old copy is put back in its place; the file that records the newest
checkpoint signed, outside the database, is kept.
"""

import logging
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url
from sqlmodel import Session

from ledger import state
from ledger.log.last_signed import RollbackError
from ledger.log.service import sign_checkpoint
from ledger.testing import Ledger, event, serve
from periplus.events import Envelope

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
