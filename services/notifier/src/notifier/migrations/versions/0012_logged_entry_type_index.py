"""entries by type and index, so the ledger's notices are read newest first from an index

``/notices`` lists the ledger's own notices among every entry shown; without this index
each page of it would read the whole table.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02 14:00:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_logged_entry_type_index", "logged_entry", ["type", "index"])


def downgrade() -> None:
    op.drop_index("ix_logged_entry_type_index", table_name="logged_entry")
