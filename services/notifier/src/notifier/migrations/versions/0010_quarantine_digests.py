"""the hash and size of each refused message's bytes; announcements' bytes let go

An announcement is whatever someone who can write to the broker sent: the public list
names it by the SHA-256 and size of its bytes, which are no longer kept. Rows listed
before get both from their bytes, where they still have some.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 08:30:00
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


def upgrade() -> None:
    with op.batch_alter_table("quarantined") as batch:
        batch.add_column(
            sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True)
        )
        batch.add_column(sa.Column("size", sa.BigInteger(), nullable=True))
    connection = op.get_bind()
    page = sa.text(
        "SELECT id, raw FROM quarantined WHERE raw != :none AND id > :after ORDER BY id LIMIT 500"
    )
    fill = sa.text("UPDATE quarantined SET sha256 = :sha256, size = :size WHERE id = :id")
    after = -1
    while True:  # a page at a time: rows of up to a megabyte each, however many a flood left
        rows = connection.execute(page, {"none": b"", "after": after}).all()
        if not rows:
            break
        connection.execute(
            fill,
            [
                {"id": i, "sha256": hashlib.sha256(raw).hexdigest(), "size": len(raw)}
                for i, raw in rows
            ],
        )
        after = rows[-1][0]
    connection.execute(
        sa.text("UPDATE quarantined SET raw = :none WHERE kind = 'announcement'"), {"none": b""}
    )


def downgrade() -> None:
    with op.batch_alter_table("quarantined") as batch:
        batch.drop_column("size")
        batch.drop_column("sha256")
