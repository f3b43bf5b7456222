"""ledger indexes in 64 bits on PostgreSQL: a log may grow past 2^31 entries

Every column that holds a ledger index (or the offset of an announcement, one per
entry) becomes a ``bigint``. SQLite's INTEGER holds 64 bits already, so there the
migration changes nothing, and ``logged_entry.index`` stays the table's rowid.
A downgrade fails, as it should, while a value past 2^31 is stored.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 00:30:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from periplus.migrations import retype_on_postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each widened column: its table, its name, and whether it takes NULL.
COLUMNS = (
    ("logged_entry", "index", False),
    ("trip_view", "last_index", False),
    ("channel_notice", "ledger_index", False),
    ("channel_alert", "ledger_index", False),
    ("webhook_delivery", "ledger_index", True),
    ("consumer_offset", "offset", False),
)


def upgrade() -> None:
    retype_on_postgresql(sa.Integer(), sa.BigInteger(), columns=COLUMNS)


def downgrade() -> None:
    retype_on_postgresql(sa.BigInteger(), sa.Integer(), columns=COLUMNS)
