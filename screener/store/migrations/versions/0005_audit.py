"""A tamper-evident audit log, and on PostgreSQL a table the app's role can only add to.

Each audit line gains ``mac``, its seal chained to the line before (store/audit.py); lines
written before this migration stay unsealed. An insert trigger refuses a line that is not
sealed or not numbered right after the last one, so ``INSERT OR REPLACE`` or a conflicting
insert cannot rewrite a line on SQLite either.

On PostgreSQL, run this as the role that owns the tables, with the app's own role named
by ``screener db upgrade --app-role NAME`` (or ``SCREENER_DATABASE_APP_ROLE``): that role
gets reading and writing on every table but only SELECT and INSERT on ``audit_log``, and
no rights on ``alembic_version`` but reading. Not owning the table, it cannot disable the
triggers, delete, update or truncate.

Revision ID: 0005
Revises: 0004_codes
Create Date: 2026-12-04
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from alembic import context, op

revision = "0005"
down_revision = "0004_codes"
branch_labels = None
depends_on = None

REFUSAL = "an audit line must be sealed and numbered right after the last one"
NEXT_LINE = {
    "sqlite": [
        "CREATE TRIGGER audit_log_next_line BEFORE INSERT ON audit_log "
        "WHEN NEW.mac IS NULL OR NEW.id IS NULL "
        "OR NEW.id <> (SELECT COALESCE(MAX(id), 0) + 1 FROM audit_log) "
        f"BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END",
    ],
    "postgresql": [
        "CREATE FUNCTION audit_log_next_line() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
        "IF NEW.mac IS NULL OR NEW.id IS DISTINCT FROM "
        "(SELECT COALESCE(MAX(id), 0) + 1 FROM audit_log) THEN "
        f"RAISE EXCEPTION '{REFUSAL}' USING ERRCODE = 'integrity_constraint_violation'; "
        "END IF; RETURN NEW; END $$",
        "CREATE TRIGGER audit_log_next_line BEFORE INSERT ON audit_log "
        "FOR EACH ROW EXECUTE FUNCTION audit_log_next_line()",
    ],
}
ROLE_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def app_role() -> str | None:
    role = context.config.attributes.get("app_role") if context.config else None
    if role and not ROLE_NAME.fullmatch(role):
        raise ValueError(f"app role {role!r}: use lower-case letters, digits and _")
    return role or None


def grants(role: str) -> list[str]:
    """The app's rights: all it needs, and on the audit log only reading and adding."""
    return [
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public "
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
        f"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        "REVOKE ALL ON audit_log FROM PUBLIC",
        f"REVOKE ALL ON audit_log FROM {role}",
        f"GRANT SELECT, INSERT ON audit_log TO {role}",
        f"REVOKE ALL ON alembic_version FROM {role}",
        f"GRANT SELECT ON alembic_version TO {role}",
    ]


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    op.add_column("audit_log", sa.Column("mac", sa.String(64), nullable=True))
    for statement in NEXT_LINE.get(dialect, []):
        op.execute(statement)
    role = app_role()
    if dialect == "postgresql" and role:
        for statement in grants(role):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_next_line ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_next_line()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_next_line")
    op.drop_column("audit_log", "mac")  # SQLite 3.35+ drops it in place, triggers kept
