"""The ids of the data keys stored data is sealed under, checked at start-up.

Revision ID: 0003_keycheck
Revises: 0002
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from screener.store.models import UTCDateTime

revision = "0003_keycheck"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "key_check",
        sa.Column("key_id", sa.String(32), nullable=False),
        sa.Column("first_used_at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_key_check")),
    )


def downgrade() -> None:
    op.drop_table("key_check")
