"""trip facets for filters and per-facet feeds

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:58:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "trip_facet",
        sa.Column("trip_id", sa.String(length=36), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=120), nullable=False),
        sa.PrimaryKeyConstraint("trip_id", "kind", "value"),
    )
    with op.batch_alter_table("trip_facet", schema=None) as batch_op:
        batch_op.create_index("ix_trip_facet_kind_value", ["kind", "value"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("trip_facet", schema=None) as batch_op:
        batch_op.drop_index("ix_trip_facet_kind_value")
    op.drop_table("trip_facet")
