"""public read model

Revision ID: 0001
Revises:
Create Date: 2026-11-25 17:49:37.590391
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "consumer_offset",
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("partition", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("offset", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("topic", "partition"),
    )
    op.create_table(
        "logged_entry",
        sa.Column("index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("trip_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("type", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("occurred_at", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("event", sa.JSON(), nullable=False),
        sa.Column("received_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("index"),
    )
    with op.batch_alter_table("logged_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_logged_entry_trip_id"), ["trip_id"], unique=False)

    op.create_table(
        "trip_view",
        sa.Column("trip_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("departure_date", sqlmodel.sql.sqltypes.AutoString(length=10), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("last_index", sa.Integer(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.PrimaryKeyConstraint("trip_id"),
    )
    with op.batch_alter_table("trip_view", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_trip_view_departure_date"), ["departure_date"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_trip_view_last_index"), ["last_index"], unique=False)
        batch_op.create_index(batch_op.f("ix_trip_view_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trip_view", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trip_view_status"))
        batch_op.drop_index(batch_op.f("ix_trip_view_last_index"))
        batch_op.drop_index(batch_op.f("ix_trip_view_departure_date"))

    op.drop_table("trip_view")
    with op.batch_alter_table("logged_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_logged_entry_trip_id"))

    op.drop_table("logged_entry")
    op.drop_table("consumer_offset")
