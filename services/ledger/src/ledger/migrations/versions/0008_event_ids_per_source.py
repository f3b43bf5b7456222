"""event ids are unique per source, not across sources

A source that takes another's next event id (seen on the broker or on that
source's public feed) must not keep the other's real event out of the log.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30 22:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite keeps the first revision's constraint unnamed: batch mode names it by this rule.
NAMES = {"uq": "uq_%(table_name)s_%(column_0_name)s"}


def _global_unique() -> str:
    return "uq_entry_event_id" if op.get_bind().dialect.name == "sqlite" else "entry_event_id_key"


def upgrade() -> None:
    with op.batch_alter_table("entry", naming_convention=NAMES) as batch:
        batch.drop_constraint(_global_unique(), type_="unique")
        batch.create_unique_constraint("uq_entry_source_event_id", ["source", "event_id"])
        batch.create_index("ix_entry_event_id", ["event_id"])


def downgrade() -> None:
    with op.batch_alter_table("entry", naming_convention=NAMES) as batch:
        batch.drop_index("ix_entry_event_id")
        batch.drop_constraint("uq_entry_source_event_id", type_="unique")
        batch.create_unique_constraint(_global_unique(), ["event_id"])
