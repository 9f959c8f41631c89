"""Submissions: one row per patient handoff, health data encrypted.

Revision ID: 0001
Revises:
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from screener.store.models import UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

STATUSES = ("new", "contacted", "booked", "not_now", "referred_elsewhere", "closed",
            "withdrawn")


def upgrade() -> None:
    op.create_table(
        "submissions",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("reference_digest", sa.String(64), nullable=False),
        sa.Column("send_digest", sa.String(64), nullable=False),
        sa.Column("status", sa.Enum(*STATUSES, native_enum=False, length=24,
                                    name="submission_status", create_constraint=False),
                  nullable=False),
        sa.Column("urgent", sa.Boolean(), nullable=False),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("ruleset_version", sa.String(100), nullable=False),
        sa.Column("consent_version", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.Column("withdrawn_at", UTCDateTime(), nullable=True),
        sa.Column("notified_at", UTCDateTime(), nullable=True),
        sa.Column("contact", sa.Text(), nullable=True),
        sa.Column("answers", sa.Text(), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_submissions"),
        sa.UniqueConstraint("reference_digest", name="uq_submissions_reference_digest"),
        sa.UniqueConstraint("send_digest", name="uq_submissions_send_digest"),
    )
    op.create_index("ix_submissions_worklist", "submissions", ["status", "urgent", "created_at"])
    op.create_index("ix_submissions_expires_at", "submissions", ["expires_at"])


def downgrade() -> None:
    op.drop_index("ix_submissions_expires_at", "submissions")
    op.drop_index("ix_submissions_worklist", "submissions")
    op.drop_table("submissions")
