"""Key rotation: a statement signed by both keys lets a verifier follow the chain."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger import cli
from ledger.settings import get_settings
from ledger.testing import serve
from periplus.checks import VerificationFailedError, key_chain
from periplus.note import Checkpoint
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
        # The retired key may not sign past the size at which it was retired.
        late = old.sign(Checkpoint("periplus.test/ledger", 8, report.root).body())
        with pytest.raises(VerificationFailedError, match="retired at size 5"):
            verify_log(after.url, key=str(old.verifier), previous=late)
        forged = rotations[0]["statement"].replace("\n5\n", "\n7\n")
        with pytest.raises(VerificationFailedError, match="rotation statement"):
            key_chain([forged], old.verifier)
