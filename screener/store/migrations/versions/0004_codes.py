"""Single-use codes and version numbers that hold under concurrency, on SQLite too.

Recovery codes move from a JSON list on the account to rows of their own, spent by an
``UPDATE ... WHERE used_at IS NULL`` that changes one row at most; answer versions get a
unique (submission, number). A database that already holds two versions with one number
(made by simultaneous saves before this migration) is refused with the rows to look at:
their answers are sealed under their number, so they cannot be renumbered here.

Revision ID: 0004_codes
Revises: 0003_keycheck
Create Date: 2026-12-04
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

from screener.store.models import UTCDateTime

revision = "0004_codes"
down_revision = "0003_keycheck"
branch_labels = None
depends_on = None

accounts = sa.table("staff_accounts", sa.column("id", sa.String),
                    sa.column("recovery_digests", sa.Text))
codes = sa.table("staff_recovery_codes", sa.column("account_id", sa.String),
                 sa.column("digest", sa.String), sa.column("used_at", UTCDateTime()))
versions = sa.table("submission_versions", sa.column("submission_id", sa.String),
                    sa.column("number", sa.Integer))


def _refuse_duplicate_versions() -> None:
    twice = op.get_bind().execute(
        sa.select(versions.c.submission_id, versions.c.number)
        .group_by(versions.c.submission_id, versions.c.number)
        .having(sa.func.count() > 1)).all()
    if twice:
        listed = ", ".join(f"{sid} version {number}" for sid, number in twice[:10])
        raise RuntimeError(
            f"{len(twice)} answer versions share a number with another ({listed}): "
            "simultaneous saves made them before this upgrade. Keep one row of each "
            "(table submission_versions) and run `screener db upgrade` again.")


def upgrade() -> None:
    _refuse_duplicate_versions()
    op.create_index("ux_submission_versions_number", "submission_versions",
                    ["submission_id", "number"], unique=True)
    op.create_table(
        "staff_recovery_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(32), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("used_at", UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["staff_accounts.id"], ondelete="CASCADE",
                                name="fk_staff_recovery_codes_account_id_staff_accounts"),
        sa.PrimaryKeyConstraint("id", name="pk_staff_recovery_codes"),
        sa.UniqueConstraint("account_id", "digest",
                            name="uq_staff_recovery_codes_account_id"),
    )
    bind = op.get_bind()
    rows = [{"account_id": account_id, "digest": digest, "used_at": None}
            for account_id, listed in bind.execute(sa.select(accounts))
            for digest in dict.fromkeys(json.loads(listed or "[]"))]
    if rows:
        bind.execute(codes.insert(), rows)
    if bind.dialect.name == "sqlite":  # native since SQLite 3.35; no table rebuild
        op.execute("ALTER TABLE staff_accounts DROP COLUMN recovery_digests")
    else:
        op.drop_column("staff_accounts", "recovery_digests")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute("ALTER TABLE staff_accounts ADD COLUMN recovery_digests TEXT "
                   "NOT NULL DEFAULT '[]'")
    else:
        op.add_column("staff_accounts", sa.Column("recovery_digests", sa.Text(),
                                                  nullable=False, server_default="[]"))
        op.alter_column("staff_accounts", "recovery_digests", server_default=None)
    unused: dict[str, list[str]] = {}
    for account_id, digest in bind.execute(
            sa.select(codes.c.account_id, codes.c.digest).where(codes.c.used_at.is_(None))):
        unused.setdefault(account_id, []).append(digest)
    for account_id, digests in unused.items():
        bind.execute(accounts.update().where(accounts.c.id == account_id)
                     .values(recovery_digests=json.dumps(digests)))
    op.drop_table("staff_recovery_codes")
    op.drop_index("ux_submission_versions_number", "submission_versions")
