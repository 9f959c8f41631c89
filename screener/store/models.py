"""The stored shape of a handoff: one row per submission, health data only as ciphertext.

Clear columns are only what staff sort and filter by (status, urgent flag, times) and the
versions needed to read the answers as the patient saw them. The patient's own answers
are kept as sent; corrections by staff are new rows in ``submission_versions``. Staff
accounts, the case history (notes, status changes) and the append-only audit log sit
beside them; the audit log holds ids and action names only, never health data.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    DateTime,
    Enum,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
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


def now() -> datetime:
    """The store's clock: an aware UTC moment, the only kind ``UTCDateTime`` stores."""
    return datetime.now(UTC)


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
    # Sealed too: the reference code the patient was shown, and the guidance topic ids
    # they saw, so staff can quote the code and see what today's rules would change.
    reference: Mapped[str | None] = mapped_column(Text, default=None)
    guidance: Mapped[str | None] = mapped_column(Text, default=None)

    __table_args__ = (
        Index("ix_submissions_worklist", "status", "urgent", "created_at"),
        Index("ix_submissions_expires_at", "expires_at"),
        Index("ix_submissions_queue", "urgent", "created_at"),
    )


class Role(StrEnum):
    NURSE = "nurse"
    ADMIN = "admin"


def _enum(kind: type[StrEnum], name: str) -> Enum:
    return Enum(kind, native_enum=False, length=24, validate_strings=True,
                values_callable=lambda e: [m.value for m in e], name=name)


class StaffAccount(Base):
    """A nurse or admin. The password is an argon2id hash; the TOTP secret is sealed."""

    __tablename__ = "staff_accounts"

    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_submission_id)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "staff_role"))
    password_hash: Mapped[str | None] = mapped_column(String(200), default=None)
    totp_secret: Mapped[str | None] = mapped_column(Text, default=None)
    # The last TOTP time step accepted: a code is good once (moved on by a compare-and-set).
    totp_last_step: Mapped[int] = mapped_column(Integer, default=0)
    setup_digest: Mapped[str | None] = mapped_column(String(64), unique=True, default=None)
    setup_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # Raised on sign-out, reset and disable: every session made before is signed out.
    session_version: Mapped[int] = mapped_column(Integer, default=1)
    # Failed sign-ins (password or code) since the last success: capped (NIST SP 800-63B).
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    # The language the staff pages and the guidance are shown in; None: the clinic's first.
    language: Mapped[str | None] = mapped_column(String(16), default=None)


class RecoveryCode(Base):
    """One recovery code of an account, as a SHA-256 digest; ``used_at`` once spent.

    Spent by ``UPDATE ... WHERE used_at IS NULL``: of any number of simultaneous uses,
    exactly one changes the row."""

    __tablename__ = "staff_recovery_codes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("staff_accounts.id", ondelete="CASCADE"))
    digest: Mapped[str] = mapped_column(String(64))
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    __table_args__ = (UniqueConstraint("account_id", "digest"),)


class SubmissionVersion(Base):
    """Answers corrected on a call, by one nurse; the patient's own stay on the submission."""

    __tablename__ = "submission_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    number: Mapped[int] = mapped_column(Integer)
    staff_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff_accounts.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    answers: Mapped[str] = mapped_column(Text)

    # Two nurses saving at once cannot both get the same number (casework retries).
    __table_args__ = (Index("ux_submission_versions_number", "submission_id", "number",
                            unique=True),)


class EventKind(StrEnum):
    NOTE = "note"
    STATUS = "status"


class SubmissionEvent(Base):
    """A call note or a status change, by whom and when; the note text is sealed."""

    __tablename__ = "submission_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    staff_id: Mapped[str] = mapped_column(String(32), ForeignKey("staff_accounts.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    kind: Mapped[EventKind] = mapped_column(_enum(EventKind, "event_kind"))
    status: Mapped[Status | None] = mapped_column(_enum(Status, "event_status"), default=None)
    note: Mapped[str | None] = mapped_column(Text, default=None)


class AuditEntry(Base):
    """One line of the append-only audit log (triggers refuse updates and deletes).

    ``id`` is the line's number in the chain (1, 2, 3... given by ``audit.AuditLog``, an
    insert trigger refuses any other); ``mac`` its seal, chained to the line before."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    staff_id: Mapped[str | None] = mapped_column(String(32), default=None)
    action: Mapped[str] = mapped_column(String(32))
    submission_id: Mapped[str | None] = mapped_column(String(32), default=None)
    # A word or two that is never health data: a status, a format, a count, an email.
    detail: Mapped[str] = mapped_column(String(200), default="")
    # HMAC-SHA256 (hex) of this line and the previous seal; None only on lines written
    # before migration 0005.
    mac: Mapped[str | None] = mapped_column(String(64), default=None)


class KeyCheck(Base):
    """A data key stored data may be sealed under, by its non-secret id (crypto.key_id).

    Start-up refuses a configuration missing any of them; ``keys rotate`` removes the ones
    nothing is sealed under any more. Never the key itself.
    """

    __tablename__ = "key_check"

    key_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    first_used_at: Mapped[datetime] = mapped_column(UTCDateTime())


class SearchEntry(Base):
    """One term of a submission's name or phone number in the keyed blind index
    (store/blindindex.py): an HMAC, never the name or number; gone when it is withdrawn."""

    __tablename__ = "search_index"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    submission_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    # The data key the index key was derived from (crypto.key_id) and the country code, as
    # "<key id>+<code>": ``keys rotate`` redoes entries tagged otherwise.
    key_id: Mapped[str] = mapped_column(String(32))
    digest: Mapped[str] = mapped_column(String(64), index=True)


class SavedScreening(Base):
    """A screening saved to come back to later (store/saved.py): sealed under a key only
    the patient's return code gives (store/codebox.py). Nothing else is kept: no language,
    no answer, no address; the lookup id is a keyed HMAC of the code, not the code."""

    __tablename__ = "saved_screenings"

    lookup: Mapped[str] = mapped_column(String(64), primary_key=True)
    salt: Mapped[bytes] = mapped_column(LargeBinary(32))
    # scrypt's parameters this row was sealed with (codebox.KdfParams): raised for new
    # saves later, older rows still open.
    kdf_n: Mapped[int] = mapped_column(Integer)
    kdf_r: Mapped[int] = mapped_column(Integer)
    kdf_p: Mapped[int] = mapped_column(Integer)
    # The AES-GCM nonce followed by the ciphertext and its tag.
    sealed: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
