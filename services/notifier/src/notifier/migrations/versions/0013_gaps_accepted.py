"""the gaps in the ledger's log that this site's operator accepted, shown on /notices

Each source's seqs count how many of its refused entries such a decision showed again,
so that ``/readyz`` keeps their alarm in its history and fails no more for them.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 14:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "gap_accepted",
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=127), nullable=False),
        sa.Column("after_seq", sa.BigInteger(), nullable=False),
        sa.Column("next_seq", sa.BigInteger(), nullable=False),
        sa.Column("first_index", sa.BigInteger(), nullable=False),
        sa.Column("released", sa.BigInteger(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("source", "after_seq"),
    )
    with op.batch_alter_table("source_seq") as batch:
        batch.add_column(sa.Column("released", sa.BigInteger(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("source_seq") as batch:
        batch.drop_column("released")
    op.drop_table("gap_accepted")
