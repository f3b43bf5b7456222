"""Fixtures for the whole suite: real databases, a real broker, a real browser.

``--db sqlite`` and ``--db postgresql`` (both by default in ``make test``)
run every database-backed test once per backend; each test gets a database of
its own, built by the service's migrations.
"""

import os
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, sync_playwright
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from periplus.testing import Broker, apt_install

POSTGRES_URL = os.environ.get(
    "PERIPLUS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--db",
        action="append",
        choices=["sqlite", "postgresql"],
        help="database backends to run against (repeatable; default sqlite)",
    )


def pytest_configure(config: pytest.Config) -> None:
    # `./periplus pytest` sets it to the repository's root: the tests' commands and
    # services keep their default files (var/) in their own directories, never there.
    os.environ.pop("PERIPLUS_HOME", None)
    config.addinivalue_line(
        "markers",
        "backends(*names): the backends a test means (say, what `make run` uses), "
        "among those asked for with --db",
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" in metafunc.fixturenames:
        backends = metafunc.config.getoption("db") or ["sqlite"]
        meant = metafunc.definition.get_closest_marker("backends")
        if meant is not None:
            backends = [b for b in backends if b in meant.args] or backends[:1]
        metafunc.parametrize("backend", backends, scope="function")


@pytest.fixture
def make_database(backend: str, tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Creates empty databases on the chosen backend; drops them after the test."""
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    created: list[str] = []

    def make(label: str = "test") -> str:
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / label}.db"
        name = f"periplus_test_{label.replace('-', '_')}_{uuid.uuid4().hex[:10]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return str(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))

    yield make
    with admin.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def database_url(make_database: Callable[[str], str]) -> str:
    """A fresh, empty database on the chosen backend."""
    return make_database("test")


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    instance = Broker()
    instance.start()
    yield instance
    instance.stop()


CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="session")
def chromium() -> Path:
    """Debian's Chromium, installed on first use: Playwright's own download needs the
    internet, and a new machine has nothing installed by hand."""
    if not CHROMIUM.exists():
        try:
            apt_install("chromium", timeout=600)
        except (OSError, subprocess.SubprocessError) as exc:
            pytest.skip(f"Chromium is not installed and `apt-get install chromium` failed: {exc}")
    return CHROMIUM


@pytest.fixture(scope="module")
def browser(chromium: Path) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(chromium), headless=True)
        yield instance
        instance.close()
