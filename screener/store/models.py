"""The stored shape of a handoff: one row per submission, health data only as ciphertext.

Clear columns are only what staff sort and filter by (status, urgent flag, times) and the
versions needed to read the answers as the patient saw them. The patient's own answers
are kept as sent; corrections by staff (issue 15) belong in their own table.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import DateTime, Enum, Index, MetaData, String, Text, TypeDecorator
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {"ix": "ix_%(table_name)s_%(column_0_name)s",
          "uq": "uq_%(table_name)s_%(column_0_name)s",
          "ck": "ck_%(table_name)s_%(constraint_name)s",
          "pk": "pk_%(table_name)s"}


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite keeps no zone of its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime: store times in UTC with a zone")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Status(StrEnum):
    """Where a submission is in the clinic's work; ``withdrawn`` is set by the patient."""

    NEW = "new"
    CONTACTED = "contacted"
    BOOKED = "booked"
    NOT_NOW = "not_now"
    REFERRED_ELSEWHERE = "referred_elsewhere"
    CLOSED = "closed"
    WITHDRAWN = "withdrawn"


def new_submission_id() -> str:
    """128 random bits, url-safe: ids in staff links cannot be guessed or counted."""
    return secrets.token_urlsafe(16)


class Submission(Base):
    __tablename__ = "submissions"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_submission_id)
    # SHA-256 of the normalised reference code: found by code, code not readable from a dump.
    reference_digest: Mapped[str] = mapped_column(String(64), unique=True)
    # SHA-256 of the form's one-time send token: a second post of the same form is a no-op.
    send_digest: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[Status] = mapped_column(
        Enum(Status, native_enum=False, length=24, validate_strings=True,
             values_callable=lambda e: [m.value for m in e], name="submission_status"),
        default=Status.NEW)
    urgent: Mapped[bool] = mapped_column(default=False)
    language: Mapped[str] = mapped_column(String(16))
    ruleset_version: Mapped[str] = mapped_column(String(100))
    consent_version: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Ciphertext (crypto.Cipher): cleared when the patient withdraws.
    contact: Mapped[str | None] = mapped_column(Text, default=None)
    answers: Mapped[str | None] = mapped_column(Text, default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (
        Index("ix_submissions_worklist", "status", "urgent", "created_at"),
        Index("ix_submissions_expires_at", "expires_at"),
    )
