"""A trips-api on a free port over a fresh database, with one key per role."""

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from trips_api_support import Api, World, make_settings, serve, world


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    yield from serve(make_settings(database_url))


@pytest.fixture
def service(database_url: str) -> Iterator[World]:
    """The service layer alone, without HTTP, over a fresh migrated database."""
    yield from world(make_settings(database_url))
