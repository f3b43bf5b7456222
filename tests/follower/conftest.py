"""Every test of the follower suite runs against each service that follows a source,
on each database asked for with ``--db``."""

from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from tests.follower.harness import Harness, LedgerHarness, NotifierHarness


@pytest.fixture(params=["ledger", "notifier"])
def follower(
    request: pytest.FixtureRequest, database_url: str, tmp_path: Path
) -> Iterator[Harness]:
    with ExitStack() as stack:
        if request.param == "ledger":
            yield LedgerHarness(database_url, stack)
        else:
            yield NotifierHarness(database_url, stack, tmp_path)
