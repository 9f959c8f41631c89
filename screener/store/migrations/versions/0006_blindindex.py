"""A keyed blind index to find a submission by name or phone number (store/blindindex.py),
and each staff member's language.

Submissions stored before this revision are indexed by ``screener keys rotate``.

Revision ID: 0006_blindindex
Revises: 0005
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_blindindex"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_index",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.String(32), nullable=False),
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE",
                                name=op.f("fk_search_index_submission_id_submissions")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_index")),
    )
    op.create_index(op.f("ix_search_index_submission_id"), "search_index", ["submission_id"])
    op.create_index(op.f("ix_search_index_digest"), "search_index", ["digest"])
    op.add_column("staff_accounts", sa.Column("language", sa.String(16), nullable=True))


def downgrade() -> None:
    op.drop_column("staff_accounts", "language")
    op.drop_index(op.f("ix_search_index_digest"), table_name="search_index")
    op.drop_index(op.f("ix_search_index_submission_id"), table_name="search_index")
    op.drop_table("search_index")
