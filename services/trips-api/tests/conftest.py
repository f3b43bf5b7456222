"""A trips-api on a free port over a fresh database, with one key per role."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from trips_api_support import Api, make_settings, serve


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    yield from serve(make_settings(database_url))
