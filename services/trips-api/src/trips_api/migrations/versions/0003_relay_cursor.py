"""the outbox relay keeps a cursor instead of marking each event

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOPIC = "trips.events.v1"


def upgrade() -> None:
    op.create_table(
        "relay_cursor",
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("topic"),
    )
    # The cursor stops before the first event not yet published, so nothing
    # waiting in the outbox is skipped (what follows it may be sent twice).
    bind = op.get_bind()
    waiting = bind.execute(sa.text("SELECT MIN(seq) FROM event WHERE NOT published")).scalar()
    position = bind.execute(sa.text("SELECT MAX(seq) FROM event")).scalar()
    if waiting is not None:
        position = waiting - 1
    if position is not None:
        bind.execute(
            sa.text("INSERT INTO relay_cursor (topic, position) VALUES (:topic, :position)"),
            {"topic": TOPIC, "position": position},
        )
    with op.batch_alter_table("event") as batch_op:
        batch_op.drop_index("ix_event_published")
        batch_op.drop_column("published")


def downgrade() -> None:
    with op.batch_alter_table("event") as batch_op:
        batch_op.add_column(
            sa.Column("published", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_index("ix_event_published", ["published"], unique=False)
    op.execute(
        sa.text(
            "UPDATE event SET published = TRUE WHERE seq <= "
            "(SELECT position FROM relay_cursor WHERE topic = :topic)"
        ).bindparams(topic=TOPIC)
    )
    op.drop_table("relay_cursor")
