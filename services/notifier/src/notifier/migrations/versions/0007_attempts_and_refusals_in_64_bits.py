"""webhook attempts and refusals numbered in 64 bits on PostgreSQL

``webhook_attempt.id`` and ``quarantined.id`` take the next value of a sequence at every
try of a delivery and at every refusal: over the years they may pass 2^31, and a SERIAL
(an ``integer`` and a sequence ``AS integer``) stops there. Each column becomes a
``bigint`` and its sequence ``AS bigint``. SQLite's INTEGER holds 64 bits already, so
there the migration changes nothing, and each ``id`` stays its table's rowid. A
downgrade fails, as it should, while a value past 2^31 is stored or was handed out.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 01:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa

from periplus.migrations import retype_on_postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Each widened column, numbered by a sequence of its own that widens with it.
SERIALS = (("webhook_attempt", "id"), ("quarantined", "id"))


def upgrade() -> None:
    retype_on_postgresql(sa.Integer(), sa.BigInteger(), serials=SERIALS)


def downgrade() -> None:
    retype_on_postgresql(sa.BigInteger(), sa.Integer(), serials=SERIALS)
