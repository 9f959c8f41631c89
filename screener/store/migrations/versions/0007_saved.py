"""Saved screenings ("save and come back later"): sealed under the patient's return code.

Revision ID: 0007_saved
Revises: 0006_blindindex
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_saved"
down_revision = "0006_blindindex"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "saved_screenings",
        sa.Column("lookup", sa.String(64), nullable=False),
        sa.Column("salt", sa.LargeBinary(32), nullable=False),
        sa.Column("kdf_n", sa.Integer(), nullable=False),
        sa.Column("kdf_r", sa.Integer(), nullable=False),
        sa.Column("kdf_p", sa.Integer(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("lookup", name=op.f("pk_saved_screenings")),
    )
    op.create_index(op.f("ix_saved_screenings_expires_at"), "saved_screenings",
                    ["expires_at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_saved_screenings_expires_at"), table_name="saved_screenings")
    op.drop_table("saved_screenings")
