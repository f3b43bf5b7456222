"""A log in memory that signs real checkpoints and proofs, and a witness that trusts it."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from witness_support import Log

from witness.testing import RunningWitness, serve


@pytest.fixture
def log() -> Log:
    return Log()


@pytest.fixture
def witness(database_url: str, log: Log, tmp_path: Path) -> Iterator[RunningWitness]:
    with serve(database_url, [log.signer.verifier], tmp_path) as running:
        yield running
