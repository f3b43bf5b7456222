"""announcements are read from the log itself, after a cursor

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 20:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOPIC = "ledger.entries.v1"


def upgrade() -> None:
    op.create_table(
        "relay_cursor",
        sa.Column("topic", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("topic"),
    )
    # The cursor stops before the first entry not yet announced, so none is
    # skipped (what follows it may be announced twice; the notifier skips those).
    bind = op.get_bind()
    waiting = bind.execute(sa.text("SELECT MIN(seq) FROM announcement WHERE NOT published"))
    first = waiting.scalar()
    position = bind.execute(sa.text("SELECT MAX(seq) FROM announcement")).scalar()
    if first is not None:
        position = first - 1
    if position is not None:
        bind.execute(
            sa.text("INSERT INTO relay_cursor (topic, position) VALUES (:topic, :position)"),
            {"topic": TOPIC, "position": position},
        )
    with op.batch_alter_table("announcement") as batch_op:
        batch_op.drop_index("ix_announcement_published")
    op.drop_table("announcement")


def downgrade() -> None:
    op.create_table(
        "announcement",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("trip_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("payload", sa.LargeBinary(), nullable=False),
        sa.Column("published", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    with op.batch_alter_table("announcement") as batch_op:
        batch_op.create_index("ix_announcement_published", ["published"], unique=False)
    # The entries not yet announced go back into the outbox.
    bind = op.get_bind()
    position = bind.execute(
        sa.text("SELECT position FROM relay_cursor WHERE topic = :topic"), {"topic": TOPIC}
    ).scalar()
    waiting = bind.execute(
        sa.text('SELECT "index", trip_id, leaf FROM entry WHERE "index" > :after'),
        {"after": -1 if position is None else position},
    ).all()
    if waiting:
        bind.execute(
            sa.text(
                "INSERT INTO announcement (seq, trip_id, payload, published) "
                "VALUES (:seq, :trip_id, :payload, FALSE)"
            ),
            [
                {
                    "seq": index,
                    "trip_id": trip_id,
                    "payload": b'{"index":%d,"tree_size":%d,"event":%s}' % (index, index + 1, leaf)
                    if leaf
                    else b'{"index":%d,"withheld":true}' % index,
                }
                for index, trip_id, leaf in waiting
            ],
        )
    op.drop_table("relay_cursor")
