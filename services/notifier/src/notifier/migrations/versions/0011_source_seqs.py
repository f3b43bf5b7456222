"""each source's last seq shown, so that an entry is shown only as its source's next

Filled from the entries shown already, in one pass over them: per source, the greatest
seq shown and how many seqs below it no entry shown holds and no notice of the ledger
passed (those withheld entries may hold); the seqs above it that notices passed wait.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02 14:00:00
"""

from collections import defaultdict
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SHOWN = {
    "postgresql": "SELECT event->>'source', MAX((event->>'seq')::bigint), COUNT(*) "
    "FROM logged_entry WHERE type != 'withheld' GROUP BY event->>'source'",
    "sqlite": "SELECT json_extract(event, '$.source'), MAX(json_extract(event, '$.seq')), "
    "COUNT(*) FROM logged_entry WHERE type != 'withheld' GROUP BY 1",
}
PASSED = "SELECT event FROM logged_entry WHERE type = 'source.seq_resolved'"


def upgrade() -> None:
    table = op.create_table(
        "source_seq",
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=127), nullable=False),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("lacking", sa.BigInteger(), nullable=False),
        sa.Column("passed", sa.JSON(), nullable=False),
        sa.Column("refused", sa.BigInteger(), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.PrimaryKeyConstraint("source"),
    )
    connection = op.get_bind()
    passed: dict[str, set[int]] = defaultdict(set)
    for (event,) in connection.execute(sa.text(PASSED).columns(sa.column("event", sa.JSON))):
        data = event.get("data") if isinstance(event, dict) else None
        if isinstance(data, dict) and isinstance(data.get("seq"), int):
            passed[str(data.get("source"))].add(data["seq"])
    rows = []
    for source, last, count in connection.execute(sa.text(SHOWN[connection.dialect.name])):
        if source is None or last is None:
            continue
        below = {n for n in passed[source] if n < last}
        rows.append(
            {
                "source": source,
                "last_seq": int(last),
                "lacking": max(0, int(last) - int(count) - len(below)),
                "passed": sorted(n for n in passed[source] if n > last),
                "refused": 0,
                "reason": "",
            }
        )
    for source in passed.keys() - {row["source"] for row in rows}:  # passed before any shown
        rows.append(
            {"source": source, "last_seq": 0, "lacking": 0, "passed": sorted(passed[source])}
            | {"refused": 0, "reason": ""}
        )
    if rows:
        op.bulk_insert(table, rows)


def downgrade() -> None:
    op.drop_table("source_seq")
