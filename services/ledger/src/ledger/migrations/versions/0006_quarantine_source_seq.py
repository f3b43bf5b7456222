"""quarantine names the source and seq an event claims

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-02 09:00:00
"""

import json
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PAGE = 500


def _claimed(raw: bytes) -> dict[str, Any] | None:
    """The source and seq a refused event names, if it names both plainly."""
    try:
        value = json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if not isinstance(value, dict):
        return None
    source, seq = value.get("source"), value.get("seq")
    if not isinstance(source, str) or not 0 < len(source) <= 128:
        return None
    if isinstance(seq, bool) or not isinstance(seq, int) or not 1 <= seq <= 2**53:
        return None
    return {"source": source, "seq": seq}


def upgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.add_column(
            sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True)
        )
        batch.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        batch.create_index("ix_quarantine_source_seq", ["source", "seq"])
    # Events refused before this revision may hold a source back already: name them too.
    connection = op.get_bind()
    quarantine = sa.table(
        "quarantine",
        sa.column("id", sa.Integer()),
        sa.column("raw", sa.LargeBinary()),
        sa.column("source", sa.String()),
        sa.column("seq", sa.BigInteger()),
    )
    after = 0
    while True:
        rows = connection.execute(
            sa.select(quarantine.c.id, quarantine.c.raw)
            .where(quarantine.c.id > after)
            .order_by(quarantine.c.id)
            .limit(PAGE)
        ).all()
        for id_, raw in rows:
            claimed = _claimed(bytes(raw))
            if claimed is not None:
                connection.execute(
                    quarantine.update().where(quarantine.c.id == id_).values(**claimed)
                )
        if len(rows) < PAGE:
            break
        after = rows[-1][0]


def downgrade() -> None:
    with op.batch_alter_table("quarantine") as batch:
        batch.drop_index("ix_quarantine_source_seq")
        batch.drop_column("seq")
        batch.drop_column("source")
