"""Fixtures of the fault-injection suite: one running system per database, shared.

Starting the services costs tens of seconds on a small machine, so one system
per database (``stack``) takes the faults one after another: a ledger and
its standby, a webhook receiver subscribed before the first entry, and two
more configured sources (one whose catch-up endpoint the tests fill, one that
never answers). Every test ends with the same checks (``invariants``), so a
fault that left damage behind fails its own test, not a later one.

``fault_db`` takes the place of the suite's ``backend`` at session scope; a
test marked ``databases("postgresql")`` runs on that database alone, for a
fault that belongs to one (``pg_terminate_backend``).
"""

from collections.abc import Iterator

import pytest

from notifier.channels.testing import BlackHole
from tests.faults.figures import FIGURES, table
from tests.faults.other_sources import OTHER, SILENT, CatchUp
from tests.faults.stack import Stack, running


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "databases(*names): run this fault on these databases only")


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "fault_db" not in metafunc.fixturenames:
        return
    chosen = metafunc.config.getoption("db") or ["sqlite"]
    marker = metafunc.definition.get_closest_marker("databases")
    if marker is not None:
        chosen = [name for name in chosen if name in marker.args]
    metafunc.parametrize("fault_db", chosen, scope="session")


@pytest.fixture(scope="session")
def catch_up() -> Iterator[CatchUp]:
    source = CatchUp()
    with source:
        yield source


@pytest.fixture(scope="session")
def stack(
    fault_db: str, tmp_path_factory: pytest.TempPathFactory, catch_up: CatchUp
) -> Iterator[Stack]:
    with BlackHole() as silent:
        others = {
            OTHER.name: (catch_up.url, str(OTHER.verifier)),
            SILENT.name: (silent.url.removesuffix("/hook"), str(SILENT.verifier)),
        }
        folder = tmp_path_factory.mktemp(f"faults-{fault_db}")
        # A hung source costs the ledger's consumer this long once a minute at most.
        with running(fault_db, folder, sources=others, LEDGER_HTTP_TIMEOUT="2") as stack:
            stack.system.add("standby", "ledger")
            stack.system.start("standby")
            yield stack


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    if FIGURES:
        terminalreporter.write_sep("-", "faults survived")
        terminalreporter.write_line(table(FIGURES))
