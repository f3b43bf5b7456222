"""A webhook receiver, and a notifier whose trips fly near and far; the databases, the
broker and the browser come from the suite's own conftest."""

from collections.abc import Iterator

import pytest

from notifier.channels.testing import Receiver
from notifier.testing import Site, feed_travels, serve


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
