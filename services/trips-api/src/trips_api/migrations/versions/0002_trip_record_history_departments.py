"""trip record, history, departments, idempotency

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 17:58:10.385251
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "department",
        sa.Column("code", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("code"),
    )
    op.create_table(
        "idempotency_record",
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("idempotency_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("etag", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=True),
        sa.Column("location", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", "idempotency_key"),
    )
    op.create_table(
        "trip_version",
        sa.Column("trip_id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("public", sa.Boolean(), nullable=False),
        sa.Column("state", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("trip_id", "version"),
    )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )
        batch_op.add_column(
            sa.Column("revoked_by", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True)
        )

    # The skeleton's trip table held a few flat fields that cannot become a full
    # record; the service had not been released, so the table is rebuilt.
    op.drop_table("trip")
    op.create_table(
        "trip",
        sa.Column("id", sqlmodel.sql.sqltypes.AutoString(length=36), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("reference", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("title", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=30), nullable=False),
        sa.Column("lead_department", sqlmodel.sql.sqltypes.AutoString(length=40), nullable=False),
        sa.Column("departure_date", sa.Date(), nullable=True),
        sa.Column("return_date", sa.Date(), nullable=True),
        sa.Column("report_due", sa.Date(), nullable=True),
        sa.Column("countries", sqlmodel.sql.sqltypes.AutoString(length=400), nullable=False),
        sa.Column("departments", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("sdg_goals", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("sdg_targets", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("search", sa.Text(), nullable=False),
        sa.Column("travellers_public", sa.Text(), nullable=False),
        sa.Column("travellers_all", sa.Text(), nullable=False),
        sa.Column("urgency_justification", sa.Text(), nullable=True),
        sa.Column("approved_on", sa.Date(), nullable=True),
        sa.Column("days_notice", sa.Integer(), nullable=True),
        sa.Column("actual_costs", sa.JSON(), nullable=True),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("followups", sa.JSON(), nullable=False),
        sa.Column("cancel_reason", sa.Text(), nullable=True),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("updated_by", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("submitted_by", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("approved_by", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("submitted_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("approved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("cancelled_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("completed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("reported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("closed_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("number"),
        sa.UniqueConstraint("reference"),
    )
    with op.batch_alter_table("trip", schema=None) as batch_op:
        for column in (
            "status",
            "category",
            "lead_department",
            "departure_date",
            "return_date",
            "report_due",
        ):
            batch_op.create_index(batch_op.f(f"ix_trip_{column}"), [column], unique=False)


def downgrade() -> None:
    raise NotImplementedError("0002 rebuilt the trip table; restore a backup to go back")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_column("revoked_by")
        batch_op.drop_column("created_by")

    op.drop_table("trip_version")
    op.drop_table("idempotency_record")
    op.drop_table("department")
