"""a named holder on every API key; changes after approval that wait for approval

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Keys made before holders were recorded belong to whoever their name names.
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("holder", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True)
        )
    op.execute("UPDATE api_key SET holder = name")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.alter_column(
            "holder", existing_type=sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False
        )
    with op.batch_alter_table("trip", schema=None) as batch_op:
        batch_op.add_column(sa.Column("pending", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trip", schema=None) as batch_op:
        batch_op.drop_column("pending")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_column("holder")
