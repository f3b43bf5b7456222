"""A real ledger over real HTTP on a fresh database."""

from collections.abc import Iterator

import pytest

from ledger.testing import Ledger, serve


@pytest.fixture
def ledger(database_url: str) -> Iterator[Ledger]:
    with serve(database_url) as instance:
        yield instance
