"""a public version on every trip, which a change of private fields alone does not move

Readers without a key see ``public_version`` and ``public_updated_at``: the number of
the trip's public steps (its public history's length) and the time of the last one.
Existing trips take both from their stored history.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 05:00:00.000000
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
    with op.batch_alter_table("trip", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("public_version", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("public_updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
    op.execute(
        """
        UPDATE trip SET
            public_version = (
                SELECT count(*) FROM trip_version
                WHERE trip_version.trip_id = trip.id AND trip_version.public
            ),
            public_updated_at = (
                SELECT max(at) FROM trip_version
                WHERE trip_version.trip_id = trip.id AND trip_version.public
            )
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("trip", schema=None) as batch_op:
        batch_op.drop_column("public_updated_at")
        batch_op.drop_column("public_version")
