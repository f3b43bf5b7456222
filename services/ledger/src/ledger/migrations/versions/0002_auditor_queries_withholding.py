"""auditor queries, withholding

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:55:42.250122
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trip_tag",
        sa.Column("trip_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.PrimaryKeyConstraint("trip_id", "kind", "value"),
    )
    with op.batch_alter_table("trip_tag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_trip_tag_value"), ["value"], unique=False)

    op.create_table(
        "withholding",
        sa.Column("index", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("legal_basis", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("notice_index", sa.Integer(), nullable=False),
        sa.Column("withheld_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("index"),
    )
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_entry_occurred_at"), ["occurred_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_entry_source"), ["source"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_entry_source"))
        batch_op.drop_index(batch_op.f("ix_entry_occurred_at"))

    op.drop_table("withholding")
    with op.batch_alter_table("trip_tag", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_trip_tag_value"))

    op.drop_table("trip_tag")
