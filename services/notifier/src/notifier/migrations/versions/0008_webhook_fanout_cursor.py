"""webhooks queued from the notice log by a cursor, apart from the entries' transaction

``webhook_fanout`` holds the position of the last notice queued for the webhooks. Every
notice stored before this revision was queued as it was stored, so the cursor starts at
the last of them (before the first, ``(-1, 0)``, on an empty log). A downgrade drops the
cursor: notices not yet queued then are never sent to a webhook (the stream keeps them).
A notifier of an older version still running beside this one queues what it ingests as
before, and this one's worker a second time: stop the older ones first.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 03:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from periplus.db import BIG_INTEGER

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    cursor = op.create_table(
        "webhook_fanout",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ledger_index", BIG_INTEGER, nullable=False),
        sa.Column("sub", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    last = (
        op.get_bind()
        .execute(
            sa.text(
                "SELECT ledger_index, sub FROM channel_notice"
                " ORDER BY ledger_index DESC, sub DESC LIMIT 1"
            )
        )
        .first()
    )
    index, sub = (-1, 0) if last is None else (int(last[0]), int(last[1]))
    op.bulk_insert(cursor, [{"id": 1, "ledger_index": index, "sub": sub}])


def downgrade() -> None:
    op.drop_table("webhook_fanout")
