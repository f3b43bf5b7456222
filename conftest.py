"""Fixtures for the whole suite: real databases, a real broker, real HTTP servers.

``--db sqlite`` and ``--db postgresql`` (both by default in ``make test``)
run every database-backed test once per backend; each test gets a database of
its own, built by the service's migrations.
"""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from periplus.testing import Broker
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

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


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database_url" in metafunc.fixturenames:
        backends = metafunc.config.getoption("db") or ["sqlite"]
        metafunc.parametrize("backend", backends, scope="function")


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database on the chosen backend, dropped afterwards."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    name = f"periplus_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield str(make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False))
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def broker() -> Iterator[Broker]:
    instance = Broker()
    instance.start()
    yield instance
    instance.stop()
