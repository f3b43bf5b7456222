"""Throw-away PostgreSQL databases for benchmarks, on the machine's server."""

import os
import uuid

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "PERIPLUS_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def create_database() -> str | None:
    """The URL of a new empty database, or None when no server answers."""
    name = f"periplus_bench_{uuid.uuid4().hex[:8]}"
    try:
        admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    except Exception:
        return None
    return str(make_url(POSTGRES_URL).set(database=name).render_as_string(False))


def drop_database(url: str) -> None:
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    admin.dispose()
