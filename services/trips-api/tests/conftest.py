"""A trips-api on a free port over a fresh database, with one key per role."""

from collections.abc import Iterator

import pytest

from trips_api.testing import Api, World, make_settings, serve, world


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    yield from serve(make_settings(database_url))


@pytest.fixture
def service(database_url: str) -> Iterator[World]:
    """The service layer alone, without HTTP, over a fresh migrated database."""
    yield from world(make_settings(database_url))
