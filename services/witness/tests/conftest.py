"""A log in memory that signs real checkpoints and proofs, and a witness that trusts it."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from witness.testing import Log, RunningWitness, serve


@pytest.fixture
def log() -> Log:
    return Log()


@pytest.fixture
def witness(database_url: str, log: Log, tmp_path: Path) -> Iterator[RunningWitness]:
    with serve(database_url, [log.signer.verifier], tmp_path) as running:
        yield running
