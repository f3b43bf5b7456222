"""The body of every service's Alembic ``env.py``: online migrations on one connection;
and what more than one migration does (``retype_on_postgresql``)."""

from collections.abc import Iterable

from alembic import context, op
from sqlalchemy import Integer, MetaData, engine_from_config, pool, text


def run(metadata: MetaData) -> None:
    config = context.config
    connection = config.attributes.get("connection")
    if connection is not None:
        _migrate(connection, metadata)
        return
    # Alembic's own command line: the URL comes from `-x url=...` or alembic.ini.
    url = context.get_x_argument(as_dictionary=True).get("url") or config.get_main_option(
        "sqlalchemy.url"
    )
    engine = engine_from_config(
        {"sqlalchemy.url": url}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.begin() as conn:
        _migrate(conn, metadata)


def _migrate(connection: object, metadata: MetaData) -> None:
    context.configure(
        connection=connection,  # type: ignore[arg-type]
        target_metadata=metadata,
        render_as_batch=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def retype_on_postgresql(
    old: Integer,
    new: Integer,
    columns: Iterable[tuple[str, str, bool]] = (),
    serials: Iterable[tuple[str, str]] = (),
) -> None:
    """Integer columns from ``old`` to ``new`` (``integer`` to ``bigint``, or back) on
    PostgreSQL; nothing on SQLite, whose ``INTEGER`` holds 64 bits already and is the rowid
    of an integer primary key. ``columns`` are (table, column, takes NULL); ``serials`` are
    (table, column) numbered by a sequence of their own, which is retyped with them.
    Migrations that ran call it: what it does must never change."""
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    for table, column, nullable in columns:
        op.alter_column(table, column, type_=new, existing_type=old, existing_nullable=nullable)
    for table, column in serials:
        op.alter_column(table, column, type_=new, existing_type=old, existing_nullable=False)
        found = text("SELECT pg_get_serial_sequence(:table, :column)")
        sequence = bind.execute(found, {"table": table, "column": column}).scalar_one()
        op.execute(f"ALTER SEQUENCE {sequence} AS {new.compile(dialect=bind.dialect)}")
