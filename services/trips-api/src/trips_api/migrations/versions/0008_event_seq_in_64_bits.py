"""event sequence numbers in 64 bits on PostgreSQL: a source may publish past 2^31 events

Every column that holds an event's ``seq`` (the outbox's order, the counter that hands it
out, the relay's place) or the index of a ledger notice becomes a ``bigint``. SQLite's
INTEGER holds 64 bits already, so there the migration changes nothing, and ``event.seq``
and ``withheld_event.seq`` stay their tables' rowids. A downgrade fails, as it should,
while a value past 2^31 is stored.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 01:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from periplus.migrations import retype_on_postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each widened column: its table, its name, and whether it takes NULL.
COLUMNS = (
    ("event", "seq", False),
    ("counter", "value", False),
    ("relay_cursor", "position", False),
    ("withheld_event", "seq", False),
    ("withheld_event", "notice_index", False),
)


def upgrade() -> None:
    retype_on_postgresql(sa.Integer(), sa.BigInteger(), columns=COLUMNS)


def downgrade() -> None:
    retype_on_postgresql(sa.BigInteger(), sa.Integer(), columns=COLUMNS)
