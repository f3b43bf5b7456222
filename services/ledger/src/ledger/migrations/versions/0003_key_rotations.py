"""key rotations

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 18:11:19.727178
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_rotation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("old_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("new_key", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("tree_size", sa.Integer(), nullable=False),
        sa.Column("statement", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rotated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )


def downgrade() -> None:
    op.drop_table("key_rotation")
