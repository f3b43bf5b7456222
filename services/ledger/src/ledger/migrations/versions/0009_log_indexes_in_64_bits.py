"""log indexes, sizes and sequence numbers in 64 bits on PostgreSQL: a log may grow past
2^31 entries

Every column that holds an entry's index, a tree size, a source's ``seq`` or a broker
offset becomes a ``bigint``, and so does the quarantine's id, with its sequence (one per
refused event). SQLite's INTEGER holds 64 bits already, so there the migration changes
nothing, and ``entry.index``, ``checkpoint.size``, ``withholding.index`` and
``quarantine.id`` stay their tables' rowids. A downgrade fails, as it should, while a
value past 2^31 is stored.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from periplus.migrations import retype_on_postgresql

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each widened column: its table, its name, and whether it takes NULL.
COLUMNS = (
    ("entry", "index", False),
    ("entry", "seq", False),
    ("node", "index", False),
    ("checkpoint", "size", False),
    ("cosignature", "size", False),
    ("witness_state", "size", False),
    ("key_rotation", "tree_size", False),
    ("withholding", "index", False),
    ("withholding", "notice_index", False),
    ("source_state", "last_seq", False),
    ("relay_cursor", "position", False),
    ("consumer_offset", "offset", False),
)
# Each widened column numbered by a sequence of its own, which widens with it.
SERIALS = (("quarantine", "id"),)


def upgrade() -> None:
    retype_on_postgresql(sa.Integer(), sa.BigInteger(), columns=COLUMNS, serials=SERIALS)


def downgrade() -> None:
    retype_on_postgresql(sa.BigInteger(), sa.Integer(), columns=COLUMNS, serials=SERIALS)
