from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from periplus.testing import Broker
from tests.e2e.system import System


@pytest.fixture
def own_broker() -> Iterator[Broker]:
    """A broker for this test alone: no other test's events are on its topics."""
    broker = Broker()
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
def system(
    own_broker: Broker, make_database: Callable[[str], str], tmp_path: Path
) -> Iterator[System]:
    databases = {name: make_database(name) for name in ("trips-api", "ledger", "notifier")}
    with System(
        own_broker,
        databases,
        tmp_path,
        LEDGER_CATCHUP_INTERVAL="3600",
        NOTIFIER_CATCHUP_INTERVAL="3600",
    ) as running:
        yield running
