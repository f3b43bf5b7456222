"""The witness's migrations go up and down on both databases."""

from sqlalchemy import inspect

from periplus import db
from witness.main import MIGRATIONS


def test_migrations_build_and_drop_the_tables(database_url: str) -> None:
    engine = db.make_engine(database_url)
    db.upgrade(engine, MIGRATIONS)
    assert {"log_state", "evidence"} <= set(inspect(engine).get_table_names())
    db.downgrade(engine, MIGRATIONS, "base")
    assert not {"log_state", "evidence"} & set(inspect(engine).get_table_names())
    engine.dispose()
