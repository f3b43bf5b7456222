"""quarantine keeps the digest and size of each whole refused message, and whether its
source signed it

Bytes no source signed are kept only in part from now on, so the digest and size the
public list shows are stored, not taken from the bytes kept. Rows from before get them
from their bytes (the whole message, or its first twice-the-longest-event bytes),
but those whose bytes a withholding erased, whose digest and size are not known;
whether their source signed them stays unknown (NULL): the log's keys are not the
migration's to read.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 09:00:00
"""

import hashlib
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 500
WITHHELD = " (bytes withheld with entry "  # what a withholding adds to the reason


def upgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.add_column(
            sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch.add_column(sa.Column("size", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("signed", sa.Boolean(), nullable=True))
        batch.create_index("ix_quarantine_sha256", ["sha256"])
    connection = op.get_bind()
    quarantine = sa.table(
        "quarantine",
        sa.column("id", sa.BigInteger()),
        sa.column("raw", sa.LargeBinary()),
        sa.column("reason", sa.String()),
        sa.column("sha256", sa.String()),
        sa.column("size", sa.BigInteger()),
    )
    after = 0
    while True:
        rows = connection.execute(
            sa.select(quarantine.c.id, quarantine.c.raw, quarantine.c.reason)
            .where(quarantine.c.id > after)
            .order_by(quarantine.c.id)
            .limit(PAGE)
        ).all()
        for id_, raw, reason in rows:
            kept = bytes(raw)
            if not kept and WITHHELD in reason:
                continue  # the empty bytes left are not the message
            connection.execute(
                quarantine.update()
                .where(quarantine.c.id == id_)
                .values(sha256=hashlib.sha256(kept).hexdigest(), size=len(kept))
            )
        if len(rows) < PAGE:
            break
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.drop_index("ix_quarantine_sha256")
        batch.drop_column("signed")
        batch.drop_column("size")
        batch.drop_column("sha256")
