"""The browser tests' ledger and the notifier in front of it; a module that needs another
ledger or site defines its own fixture of the same name, which takes precedence."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from ledger.testing import Ledger
from ledger.testing import serve as serve_ledger
from notifier.testing import Site, event, life, numbered, snapshot
from tests.notifier_ledger.browser import OTHER, TRIP, log_line, pinning_notifier, policy_file


@pytest.fixture
def ledger(tmp_path: Path) -> Iterator[Ledger]:
    """A ledger holding one whole trip (entries 0 to 4) and another trip's approval (5)."""
    with serve_ledger(f"sqlite:///{tmp_path / 'ledger.db'}") as running:
        other = snapshot("MVD-2026-0022", country="BR", city="Rio de Janeiro", size=6, notice=4)
        events = [*life(TRIP, "MVD-2026-0021"), event("trip.approved", OTHER, {"trip": other})]
        running.append(numbered(events))
        yield running


@pytest.fixture
def site(database_url: str, ledger: Ledger, tmp_path: Path) -> Iterator[Site]:
    """A notifier pinning the ledger's key and no witness, caught up with it."""
    policy = policy_file(tmp_path, log_line(ledger), "quorum none")
    with pinning_notifier(database_url, ledger, policy) as site:
        yield site
