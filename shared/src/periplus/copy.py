"""Many rows into a PostgreSQL table with one ``COPY``, in binary wherever that is safe.

Binary, psycopg writes a row in a tenth of the time it takes to format and escape it as
text (a ``bytea`` goes as it is rather than spelled out in hex). But binary ``COPY`` takes
a value only in its column's exact type: it wraps an integer too large for an ``int2`` or
``int4`` column without a word, and the driver refuses one too large for an ``int8`` in
words of its own. So the types are read from the database itself, and a batch goes as
text, for the server to judge as it always did, where a column's type has no binary form
here or an integer would not fit.
"""

import weakref
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Engine

# The PostgreSQL types (by oid) whose binary COPY form psycopg writes from the values the
# driver is given, each as itself: bool, bytea, int8, int2, int4, text, varchar,
# timestamptz; and json as text, which is its binary form.
BINARY = {oid: oid for oid in (16, 17, 20, 21, 23, 25, 1043, 1184)} | {114: 25}
# The integer types, and the values they hold: binary COPY wraps a larger value in an int2
# or int4, and the driver cannot write one in an int8.
NARROW = {
    21: range(-(2**15), 2**15),  # int2
    23: range(-(2**31), 2**31),  # int4
    20: range(-(2**63), 2**63),  # int8
}

# Each table's column types as the database declares them, read once per engine: a table
# is not altered under a running service (migrations run before it starts).
_declared: "weakref.WeakKeyDictionary[Engine, dict[str, dict[str, int]]]" = (
    weakref.WeakKeyDictionary()
)


def copy_rows(
    connection: Connection, table: str, names: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """``rows`` (each the values of the columns ``names``, in that order, as the driver
    takes them) into ``table`` with one ``COPY`` on PostgreSQL, in the caller's transaction:
    binary where ``binary_types`` allows, else text. The caller commits."""
    if not rows:
        return
    types = binary_types(connection, table, names)
    if types is not None and not fits(types, rows):
        types = None  # as text, for the server to refuse what binary would wrap
    listed = ", ".join(f'"{name}"' for name in names)
    form = "" if types is None else " (FORMAT BINARY)"
    driver: Any = connection.connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(f'COPY "{table}" ({listed}) FROM STDIN{form}') as copy,
    ):
        if types is not None:
            copy.set_types(types)
        for row in rows:
            copy.write_row(row)


def binary_types(connection: Connection, table: str, names: Sequence[str]) -> list[int] | None:
    """The type oids to COPY the columns ``names`` of ``table`` in binary, as the database
    declares them; None if one has no binary form here (or is not there), to COPY as text."""
    tables = _declared.setdefault(connection.engine, {})
    declared = tables.get(table)
    if declared is None:
        found = connection.exec_driver_sql(
            "SELECT attname, atttypid FROM pg_attribute"
            " WHERE attrelid = to_regclass(%(table)s) AND attnum > 0 AND NOT attisdropped",
            {"table": f'"{table}"'},
        ).all()
        declared = tables[table] = {str(name): int(oid) for name, oid in found}
    types = [BINARY.get(declared.get(name, 0)) for name in names]
    return None if None in types else [t for t in types if t is not None]


def fits(types: Sequence[int], rows: Sequence[tuple[Any, ...]]) -> bool:
    """Whether every value bound for an ``int2``, ``int4`` or ``int8`` column (``types`` as
    from ``binary_types``) is NULL or fits it: binary COPY would wrap one that does not, or
    fail in the driver's words rather than the server's. A column's least and greatest
    values are all it takes, at half the work of a test a value."""
    for at, oid in enumerate(types):
        span = NARROW.get(oid)
        if span is None:
            continue
        bound = [value for row in rows if (value := row[at]) is not None]
        if bound and (min(bound) < span.start or max(bound) >= span.stop):
            return False
    return True
