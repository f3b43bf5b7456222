"""the log's key rotation statements the notifier followed

Kept so that what a rotation retired stays retired across restarts and whatever a server
later serves. Empty at first: the statements are read from the ledger at the next start.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 06:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "log_rotation",
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("followed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("digest"),
    )


def downgrade() -> None:
    op.drop_table("log_rotation")
