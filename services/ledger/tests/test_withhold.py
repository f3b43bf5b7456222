"""The operator's withholding command: it appends, so it needs the writer lock."""

from collections.abc import Iterator

import pytest

from ledger import cli
from ledger.settings import get_settings
from ledger.testing import SEED, serve
from periplus.verify import verify_log


@pytest.fixture
def environment(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    for name, value in {
        "LEDGER_DATABASE_URL": database_url,
        "LEDGER_SIGNING_KEY": SEED,
        "LEDGER_ORIGIN": "periplus.test/ledger",
        "LEDGER_OWN_SOURCE": "test-city/ledger",
    }.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield database_url
    get_settings.cache_clear()


def test_withholding_waits_for_the_writer_then_leaves_a_verifiable_public_notice(
    environment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    command = ["withhold", "--index", "2", "--reason", "a minor's name", "--legal-basis", "Art. 17"]
    with serve(environment) as ledger:
        ledger.fill(5)
        assert cli.main([*command, "--wait", "0.3"]) == 2
        assert "another ledger process is the writer" in capsys.readouterr().err
    assert cli.main(command) == 0
    assert "notice appended at index 5" in capsys.readouterr().out
    assert cli.main(command) == 1
    assert "already withheld" in capsys.readouterr().err
    with serve(environment) as ledger:
        report = verify_log(ledger.url, proofs=-1)
        assert (report.size, report.withheld) == (6, [2])
        notice = ledger.get("/v1/audit/entries", type="entry.withheld").json()["entries"]
        assert notice[0]["event"]["data"]["legal_basis"] == "Art. 17"
        assert notice[0]["event"]["source"] == "test-city/ledger"
