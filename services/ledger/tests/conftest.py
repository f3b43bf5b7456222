"""A real ledger over real HTTP on a fresh database."""

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from ledger.testing import Ledger, serve, signed_checkpoint_file


@pytest.fixture(autouse=True)
def _signed_checkpoint_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Commands and processes read their settings from the environment: what they sign
    is recorded under the test's directory, never in the working directory's var/."""
    monkeypatch.setenv("LEDGER_SIGNED_CHECKPOINT_FILE", str(tmp_path / "ledger.checkpoint"))


@pytest.fixture
def database_url(make_database: Callable[[str], str], monkeypatch: pytest.MonkeyPatch) -> str:
    """A fresh, empty database; commands and processes a test runs on it record what they
    sign in the file the served ledger uses, as the processes of one log share one."""
    url = make_database("test")
    monkeypatch.setenv("LEDGER_SIGNED_CHECKPOINT_FILE", str(signed_checkpoint_file(url)))
    return url


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    with serve(database_url) as instance:
        yield instance
