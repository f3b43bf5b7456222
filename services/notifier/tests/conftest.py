"""A migrated database, a webhook receiver, and notifiers: one with a trip just approved,
one whose trips fly near and far; the databases, the broker and the browser come from the
suite's own conftest."""

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from notifier.channels.testing import Receiver
from notifier.testing import Site, feed_travels, life, migrated_engine, serve


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on a fresh database with the notifier's tables, as its migrations make them."""
    yield from migrated_engine(database_url)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as instance:
        yield instance


@pytest.fixture
def travel_site(database_url: str) -> Iterator[Site]:
    """A notifier that knows where the city is, with the trips of ``feed_travels``."""
    for running in serve(database_url, city_location="Montevideo, UY", travel_co2e_budget=20):
        feed_travels(running)
        yield running


@pytest.fixture
def approved_site(database_url: str, request: pytest.FixtureRequest) -> Iterator[Site]:
    """A notifier that has folded one trip, approved and no further: the requesting
    module's ``TRIP`` under its ``REFERENCE``, which its tests feed on from there."""
    trip, reference = request.module.TRIP, request.module.REFERENCE
    for running in serve(database_url):
        running.feed(life(trip, reference)[:1])
        yield running
