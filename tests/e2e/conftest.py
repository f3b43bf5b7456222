from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest

from periplus.testing import Broker
from tests.e2e.system import System

StartSystem = Callable[..., System]


@pytest.fixture
def own_broker() -> Iterator[Broker]:
    """A broker for this test alone: no other test's events are on its topics."""
    broker = Broker()
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def start_system(
    own_broker: Broker, make_database: Callable[[str], str], tmp_path: Path
) -> Iterator[StartSystem]:
    """Starts the three services; keyword arguments are extra environment variables."""
    databases = {name: make_database(name) for name in ("trips-api", "ledger", "notifier")}
    with ExitStack() as stack:

        def start(**env: str) -> System:
            return stack.enter_context(System(own_broker, databases, tmp_path, **env))

        yield start
