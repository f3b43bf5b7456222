"""Fixtures of shared's tests."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from periplus import db
from periplus.lease import LEASES
from periplus.testing import OutboxTables


@pytest.fixture
def outbox_engine(database_url: str) -> Iterator[Engine]:
    """A database holding an outbox and its relay's cursor (``periplus.testing``) and the
    relays' leases: a test-only schema, where services use migrations."""
    engine = db.make_engine(database_url)
    OutboxTables.metadata.create_all(engine)
    LEASES.create(engine)
    yield engine
    engine.dispose()
