"""Many rows by one COPY: binary where the values survive it, else text, on a real database."""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import psycopg
import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Engine,
    Float,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Table,
    Text,
    insert,
)
from sqlmodel.sql.sqltypes import UTCDateTime

from periplus import db
from periplus.copy import binary_types, copy_rows, fits

METADATA = MetaData()
# Every type with a binary form here, and one (a float) without.
EVERY = Table(
    "every_type",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("small", SmallInteger),
    Column("big", BigInteger),
    Column("flag", Boolean),
    Column("blob", LargeBinary),
    Column("note", Text),
    Column("name", String(20)),
    Column("at", UTCDateTime()),
    Column("doc", JSON),
)
ODD = Table("odd_type", METADATA, Column("id", Integer, primary_key=True), Column("amount", Float))
NAMES = [c.name for c in EVERY.c]
MOMENT = datetime(2026, 3, 1, 12, 30, 15, 123456, tzinfo=UTC)
ROWS: list[tuple[Any, ...]] = [
    (1, -(2**15), -(2**63), True, b"\x00\\\n\xff", "tab\there \\N", "café", MOMENT, '{"a": [1]}'),
    (2**31 - 1, 2**15 - 1, 2**63 - 1, False, b"", "", "", MOMENT, "null"),
    (-(2**31), None, None, None, None, None, None, None, None),
]


@pytest.fixture
def engine(database_url: str, backend: str) -> Iterator[Engine]:
    if backend == "sqlite":
        pytest.skip("COPY is PostgreSQL's; SQLite takes many rows by multi-row VALUES")
    engine = db.make_engine(database_url)
    METADATA.create_all(engine)
    yield engine
    engine.dispose()


def test_rows_copied_in_binary_read_back_as_sqlalchemy_wrote_them(engine: Engine) -> None:
    """The edges of every narrow integer, NULLs, escapes and JSON: one row per column type."""
    with engine.begin() as connection:
        assert binary_types(connection, "every_type", NAMES) is not None
        copy_rows(connection, "every_type", NAMES, ROWS)
        copied = connection.execute(EVERY.select().order_by(EVERY.c.id)).all()
        connection.execute(EVERY.delete())
        # The driver takes JSON as its text; SQLAlchemy encodes the value itself.
        values = [dict(zip(NAMES, row, strict=True)) for row in ROWS]
        connection.execute(insert(EVERY), [v | {"doc": _decoded(v["doc"])} for v in values])
        inserted = connection.execute(EVERY.select().order_by(EVERY.c.id)).all()
    assert copied == inserted
    assert [row.doc for row in copied] == [None, {"a": [1]}, None]


def _decoded(doc: str | None) -> Any:
    return None if doc is None else json.loads(doc)


def test_a_type_without_a_binary_form_goes_as_text(engine: Engine) -> None:
    with engine.begin() as connection:
        assert binary_types(connection, "odd_type", ["id", "amount"]) is None
        copy_rows(connection, "odd_type", ["id", "amount"], [(1, 4000.5), (2, None)])
        assert connection.execute(ODD.select().order_by(ODD.c.id)).all() == [(1, 4000.5), (2, None)]


@pytest.mark.parametrize(
    ("column", "row"),
    [("small", (2**31, 0)), ("small", (1, -(2**15) - 1)), ("big", (1, 2**63))],
    ids=["int4", "int2", "int8"],
)
def test_an_integer_its_column_cannot_hold_is_refused_by_the_server(
    engine: Engine, column: str, row: tuple[int, int]
) -> None:
    """Binary COPY would wrap it without a word (or the driver refuse it in its own): the
    batch goes as text, and PostgreSQL refuses it in its own words."""
    with engine.connect() as connection, pytest.raises(psycopg.errors.NumericValueOutOfRange):
        copy_rows(connection, "every_type", ["id", column], [(0, 0), row])


def test_nothing_to_copy_is_no_statement(engine: Engine) -> None:
    with engine.connect() as connection:
        copy_rows(connection, "no_such_table", ["id"], [])


def test_only_integers_are_bounded() -> None:
    int4, int2, int8, text = 23, 21, 20, 25
    types = [int4, int2, int8, text]
    assert fits(types, [(2**31 - 1, -(2**15), 2**63 - 1, "x"), (None, None, None, None)])
    assert not fits(types, [(0, 0, 0, "x"), (2**31, 0, 0, "x")])
    assert not fits(types, [(0, 2**15, 0, "x")])
    assert not fits(types, [(0, 0, -(2**63) - 1, "x")])
    assert fits([text], [])
