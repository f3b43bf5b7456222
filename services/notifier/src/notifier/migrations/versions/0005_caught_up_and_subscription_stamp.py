"""caught up: the newest signed size seen; a stamp that changes with the subscriptions

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30 09:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("verified_tree", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("signed_size", sa.BigInteger(), nullable=False, server_default="0")
        )
    op.execute("UPDATE verified_tree SET signed_size = size")
    stamp = op.create_table(
        "webhook_subscription_stamp",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("stamp", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.bulk_insert(stamp, [{"id": 1, "stamp": "initial"}])


def downgrade() -> None:
    op.drop_table("webhook_subscription_stamp")
    with op.batch_alter_table("verified_tree", schema=None) as batch_op:
        batch_op.drop_column("signed_size")
