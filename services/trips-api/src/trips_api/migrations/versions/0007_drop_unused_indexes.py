"""drop the indexes that no query reads: trip.lead_department and event.trip_id

Every write pays to keep an index; these two served no filter or lookup (listings filter
by any department through ``trip.departments``, and events are read by ``seq``).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30 12:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("trip", schema=None) as batch_op:
        batch_op.drop_index("ix_trip_lead_department")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_trip_id")


def downgrade() -> None:
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_trip_id", ["trip_id"], unique=False)
    with op.batch_alter_table("trip", schema=None) as batch_op:
        batch_op.create_index("ix_trip_lead_department", ["lead_department"], unique=False)
