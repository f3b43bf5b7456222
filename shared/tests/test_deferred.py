"""Deferred writes on a real database: read your own writes, all or nothing, one statement."""

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import (
    JSON,
    Column,
    Connection,
    DateTime,
    Engine,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    event,
    select,
    text,
)
from sqlalchemy.exc import IntegrityError

from periplus import db, deferred

METADATA = MetaData()
PARENT = Table(
    "parent",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("name", String(40), nullable=False),
    Column("doc", JSON),
    Column("at", DateTime(timezone=True)),
)
CHILD = Table(
    "child",
    METADATA,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("parent_id", Integer, ForeignKey("parent.id"), nullable=False),
)
COUNTER = Table("tally", METADATA, Column("n", Integer, nullable=False))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = db.make_engine(database_url)
    METADATA.create_all(engine)
    with engine.begin() as connection:
        connection.execute(COUNTER.insert().values(n=0))
    yield engine
    engine.dispose()


@contextmanager
def counted(engine: Engine) -> Iterator[list[str]]:
    """The first word of each statement sent."""
    sent: list[str] = []

    def note(*args: Any) -> None:
        sent.append(" ".join(str(args[2]).split()).split(" ", 1)[0])

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield sent
    finally:
        event.remove(engine, "before_cursor_execute", note)


def together(connection: Connection) -> bool:
    return connection.dialect.name == "postgresql"


def names(connection: Connection) -> list[str]:
    return list(connection.execute(select(PARENT.c.name).order_by(PARENT.c.id)).scalars())


def test_queued_writes_are_read_by_the_next_statement_and_sent_as_one(engine: Engine) -> None:
    with counted(engine) as sent, engine.begin() as connection:
        deferred.insert(connection, PARENT, {"id": 1, "name": "Lisbon"})
        deferred.insert(connection, CHILD, {"id": 10, "parent_id": 1})  # its parent unsent yet
        deferred.insert(connection, PARENT, {"id": 2, "name": "Quito"})
        assert names(connection) == ["Lisbon", "Quito"]
    expected = ["WITH", "SELECT"] if together(connection) else ["INSERT"] * 3 + ["SELECT"]
    assert [s for s in sent if s not in ("BEGIN", "COMMIT")] == expected


def test_a_commit_sends_the_queue_and_a_rollback_drops_it(engine: Engine) -> None:
    with engine.begin() as connection:
        deferred.insert(connection, PARENT, {"id": 1, "name": "Lisbon"})
    with engine.connect() as connection:
        deferred.insert(connection, PARENT, {"id": 2, "name": "Quito"})
        connection.rollback()
        deferred.insert(connection, PARENT, {"id": 3, "name": "Dakar"})
        connection.commit()
    with engine.connect() as connection:
        assert names(connection) == ["Lisbon", "Dakar"]


def test_a_queued_write_that_fails_fails_the_commit_and_commits_nothing(engine: Engine) -> None:
    with engine.begin() as connection:
        deferred.insert(connection, PARENT, {"id": 1, "name": "Lisbon"})

    def write(connection: Connection) -> None:
        deferred.insert(connection, PARENT, {"id": 2, "name": "Quito"})
        deferred.insert(connection, CHILD, {"id": 10, "parent_id": 99})  # no such parent
        connection.commit()  # PostgreSQL: the queue fails here; SQLite: at the insert

    with engine.connect() as connection, pytest.raises(IntegrityError):
        write(connection)
    with engine.connect() as connection:
        assert names(connection) == ["Lisbon"]
        assert connection.execute(select(CHILD.c.id)).all() == []


def test_an_update_sees_a_row_inserted_before_it_in_the_same_transaction(engine: Engine) -> None:
    # One statement's parts share a snapshot: an update there would miss the new row.
    with engine.begin() as connection:
        deferred.insert(connection, PARENT, {"id": 1, "name": "Lisbon"})
        deferred.update(connection, PARENT, {"id": 1}, {"name": "Lisboa"})
        deferred.update(connection, PARENT, {"id": 1}, {"name": "Lisboa, Portugal"})
    with engine.connect() as connection:
        assert names(connection) == ["Lisboa, Portugal"]


def test_an_unrelated_statement_does_not_send_the_queue(engine: Engine) -> None:
    with counted(engine) as sent, engine.begin() as connection:
        deferred.insert(connection, PARENT, {"id": 1, "name": "Lisbon"})
        bump = text("UPDATE tally SET n = n + 1 RETURNING n")
        assert connection.execute(bump, execution_options=deferred.UNRELATED).scalar() == 1
        deferred.insert(connection, CHILD, {"id": 10, "parent_id": 1})
    expected = ["UPDATE", "WITH"] if together(connection) else ["INSERT", "UPDATE", "INSERT"]
    assert [s for s in sent if s not in ("BEGIN", "COMMIT")] == expected
    with engine.connect() as connection:
        assert connection.execute(select(CHILD.c.parent_id)).scalar() == 1


def test_a_rollback_to_a_savepoint_drops_only_what_was_queued_after_it(engine: Engine) -> None:
    with engine.begin() as connection:
        deferred.insert(connection, PARENT, {"id": 1, "name": "Lisbon"})
        savepoint = connection.begin_nested()
        deferred.insert(connection, PARENT, {"id": 2, "name": "Quito"})
        savepoint.rollback()
        deferred.insert(connection, PARENT, {"id": 3, "name": "Dakar"})
    with engine.connect() as connection:
        assert names(connection) == ["Lisbon", "Dakar"]


def test_values_keep_their_column_types(engine: Engine) -> None:
    at = datetime(2026, 5, 4, 9, 30, tzinfo=UTC)
    doc = {"sdg_goals": [11, 17], "note": "Sessão plenária"}
    with engine.begin() as connection:
        deferred.insert(connection, PARENT, {"id": 1, "name": "Lisbon", "doc": doc, "at": at})
        deferred.update(connection, CHILD, {"id": 5}, {"parent_id": 1})  # no such row: no-op
    with engine.connect() as connection:
        row = connection.execute(select(PARENT.c.doc, PARENT.c.at)).one()
    assert row.doc == doc
    assert row.at.replace(tzinfo=row.at.tzinfo or UTC) == at
