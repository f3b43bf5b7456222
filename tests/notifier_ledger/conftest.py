"""A ledger and the notifier in front of it; a module that needs another ledger or site
defines its own fixture of the same name (which may ask for this one, to fill it)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.testing import Ledger
from ledger.testing import serve as serve_ledger
from notifier.testing import Site
from tests.notifier_ledger.browser import log_line, pinning_notifier, policy_file


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """An empty ledger on SQLite."""
    with serve_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as running:
        yield running


@pytest.fixture
def site(database_url: str, ledger: Ledger, tmp_path: Path) -> Iterator[Site]:
    """A notifier pinning the ledger's key and no witness, caught up with it."""
    policy = policy_file(tmp_path, log_line(ledger), "quorum none")
    with pinning_notifier(database_url, ledger, policy) as site:
        yield site
