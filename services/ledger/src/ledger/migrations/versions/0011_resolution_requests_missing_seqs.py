"""resolution requests that the writer applies, and the seqs a source never gave

``ledger resolve`` made while another process writes is queued in
``resolution_request``; ``missing_seq`` keeps, per source, the next seq that never
came while later ones did, since when, and when the source said it does not have it.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 13:10:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "missing_seq",
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=128), primary_key=True),
        sa.Column("seq", BIG, nullable=False),
        sa.Column("since", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("denied_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    )
    op.create_table(
        "resolution_request",
        sa.Column("id", BIG, primary_key=True, autoincrement=True),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("seq", BIG, nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("requested_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("note", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("done_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("notice_index", BIG, nullable=True),
        sa.Column("refused", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    )
    op.create_index("ix_resolution_request_done_at", "resolution_request", ["done_at"])


def downgrade() -> None:
    op.drop_index("ix_resolution_request_done_at", table_name="resolution_request")
    op.drop_table("resolution_request")
    op.drop_table("missing_seq")
