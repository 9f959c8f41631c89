"""Staff workspace: accounts, answer versions, case events, the append-only audit log.

Submissions gain two sealed columns: the reference code shown to the patient and the
guidance topics they saw.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from screener.store.models import UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

STATUSES = ("new", "contacted", "booked", "not_now", "referred_elsewhere", "closed",
            "withdrawn")

APPEND_ONLY = {
    "sqlite": [
        "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
        "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log "
        "BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$",
        "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE OR TRUNCATE "
        "ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
    ],
}


def _enum(values: tuple[str, ...], name: str) -> sa.Enum:
    return sa.Enum(*values, native_enum=False, length=24, name=name, create_constraint=False)


def upgrade() -> None:
    with op.batch_alter_table("submissions") as batch:
        batch.add_column(sa.Column("reference", sa.Text(), nullable=True))
        batch.add_column(sa.Column("guidance", sa.Text(), nullable=True))
    # The worklist's "every status" view: urgent first, then oldest.
    op.create_index("ix_submissions_queue", "submissions", ["urgent", "created_at"])
    op.create_table(
        "staff_accounts",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("role", _enum(("nurse", "admin"), "staff_role"), nullable=False),
        sa.Column("password_hash", sa.String(200), nullable=True),
        sa.Column("totp_secret", sa.Text(), nullable=True),
        sa.Column("totp_last_step", sa.Integer(), nullable=False),
        sa.Column("recovery_digests", sa.Text(), nullable=False),
        sa.Column("setup_digest", sa.String(64), nullable=True),
        sa.Column("setup_expires_at", UTCDateTime(), nullable=True),
        sa.Column("session_version", sa.Integer(), nullable=False),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("locked_until", UTCDateTime(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("disabled_at", UTCDateTime(), nullable=True),
        sa.Column("last_sign_in_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_staff_accounts"),
        sa.UniqueConstraint("email", name="uq_staff_accounts_email"),
        sa.UniqueConstraint("setup_digest", name="uq_staff_accounts_setup_digest"),
    )
    op.create_table(
        "submission_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.String(32), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("staff_id", sa.String(32), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE",
                                name="fk_submission_versions_submission_id_submissions"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_accounts.id"],
                                name="fk_submission_versions_staff_id_staff_accounts"),
        sa.PrimaryKeyConstraint("id", name="pk_submission_versions"),
    )
    op.create_index("ix_submission_versions_submission_id", "submission_versions",
                    ["submission_id"])
    op.create_table(
        "submission_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.String(32), nullable=False),
        sa.Column("staff_id", sa.String(32), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("kind", _enum(("note", "status"), "event_kind"), nullable=False),
        sa.Column("status", _enum(STATUSES, "event_status"), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["submissions.id"], ondelete="CASCADE",
                                name="fk_submission_events_submission_id_submissions"),
        sa.ForeignKeyConstraint(["staff_id"], ["staff_accounts.id"],
                                name="fk_submission_events_staff_id_staff_accounts"),
        sa.PrimaryKeyConstraint("id", name="pk_submission_events"),
    )
    op.create_index("ix_submission_events_submission_id", "submission_events",
                    ["submission_id"])
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.Column("staff_id", sa.String(32), nullable=True),
        sa.Column("action", sa.String(32), nullable=False),
        sa.Column("submission_id", sa.String(32), nullable=True),
        sa.Column("detail", sa.String(200), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_audit_log"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    for statement in APPEND_ONLY.get(op.get_bind().dialect.name, []):
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    op.drop_index("ix_audit_log_at", "audit_log")
    op.drop_table("audit_log")
    op.drop_index("ix_submission_events_submission_id", "submission_events")
    op.drop_table("submission_events")
    op.drop_index("ix_submission_versions_submission_id", "submission_versions")
    op.drop_table("submission_versions")
    op.drop_table("staff_accounts")
    op.drop_index("ix_submissions_queue", "submissions")
    with op.batch_alter_table("submissions") as batch:
        batch.drop_column("guidance")
        batch.drop_column("reference")
