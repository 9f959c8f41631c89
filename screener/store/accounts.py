"""Staff accounts: one-time setup links, passwords, the second factor, disable and reset.

A setup link is a random token valid for a day, stored only as a digest. Signing out,
reset and disable raise ``session_version``, which signs out every session made before:
the staff cookie is kept by the browser, so only the server can make a copy of it useless.

A code is good once even when sent many times at once, on SQLite too: the TOTP step moves
on by a compare-and-set (``UPDATE ... WHERE totp_last_step < step``) and a recovery code is
spent by ``UPDATE ... WHERE used_at IS NULL``; only the request whose update changed a row
is let in. Both run under ``db.write_lock`` (SQLite's ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..staff import factors, passwords
from .crypto import Cipher
from .db import write_lock
from .models import RecoveryCode, Role, StaffAccount, now
from .reference import digest

SETUP_HOURS = 24


class AccountError(ValueError):
    """An account command that cannot be done, with the reason in plain (English) words for
    the command line, and as a code with its values (``reason``, ``values``) for pages that
    word it in their reader's language (web/staff/refusals.py): the store has no gettext."""

    def __init__(self, message: str, reason: str, **values: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.values = values


@dataclass(frozen=True)
class Staff:
    """What the web layer needs of an account; never the secrets."""

    id: str
    email: str
    role: Role
    session_version: int
    state: str  # active, setup pending, disabled
    last_sign_in_at: datetime | None
    created_at: datetime
    language: str | None = None  # the staff pages' language; None: the clinic's first

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def _state(row: StaffAccount) -> str:
    if row.disabled_at is not None:
        return "disabled"
    if row.password_hash is None or row.totp_secret is None:
        return "setup pending"
    return "active"


def _staff(row: StaffAccount) -> Staff:
    return Staff(row.id, row.email, row.role, row.session_version, _state(row),
                 row.last_sign_in_at, row.created_at, row.language)


def normal_email(email: str) -> str:
    """The form an email is stored and looked up in. A NUL, which PostgreSQL refuses in
    text, becomes U+FFFD: a lookup of it finds nothing instead of failing, and ``add``
    refuses any email with a character that cannot be printed."""
    return email.strip().lower().replace("\x00", "\ufffd")


class Accounts:
    def __init__(self, sessions: sessionmaker[Session], cipher: Cipher) -> None:
        self.sessions = sessions
        self.cipher = cipher

    def _by_email(self, session: Session, email: str) -> StaffAccount | None:
        return session.scalar(select(StaffAccount).where(
            StaffAccount.email == normal_email(email)))

    def _new_setup(self, row: StaffAccount, moment: datetime) -> str:
        token = secrets.token_urlsafe(32)
        row.setup_digest = digest(token)
        row.setup_expires_at = moment + timedelta(hours=SETUP_HOURS)
        return token

    def add(self, email: str, role: Role, moment: datetime | None = None) -> tuple[Staff, str]:
        """A new account and its one-time setup token."""
        moment = moment or now()
        unprintable = any(not ch.isprintable() for ch in email.strip())  # NUL, controls
        email = normal_email(email)
        if "@" not in email or len(email) > 254 or unprintable or any(
                ch.isspace() for ch in email):
            raise AccountError(f"{email!r} is not an email address", "not_an_email",
                               email=email)
        with self.sessions() as session:
            row = StaffAccount(email=email, role=role, created_at=moment, session_version=1,
                               totp_last_step=0, failed_attempts=0)
            token = self._new_setup(row, moment)
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                raise AccountError(f"there is already an account for {email}", "taken",
                                   email=email) from None
            return _staff(row), token

    def get(self, account_id: str) -> Staff | None:
        with self.sessions() as session:
            row = session.get(StaffAccount, account_id)
            return None if row is None else _staff(row)

    def find(self, email: str) -> Staff | None:
        with self.sessions() as session:
            row = self._by_email(session, email)
            return None if row is None else _staff(row)

    def all(self) -> list[Staff]:
        with self.sessions() as session:
            return [_staff(row) for row in session.scalars(
                select(StaffAccount).order_by(StaffAccount.email))]

    def disable(self, email: str) -> Staff:
        with self.sessions() as session:
            row = self._by_email(session, email)
            if row is None:
                raise AccountError(f"no account for {email}", "no_account", email=email)
            row.disabled_at = row.disabled_at or now()
            row.session_version += 1
            row.setup_digest = row.setup_expires_at = None
            session.commit()
            return _staff(row)

    def end_sessions(self, account_id: str) -> None:
        """Every session of this account signed out, on every computer (one atomic
        increment, so two sign-outs at once both count)."""
        with self.sessions() as session:
            session.execute(update(StaffAccount).where(StaffAccount.id == account_id)
                            .values(session_version=StaffAccount.session_version + 1))
            session.commit()

    def enable(self, email: str) -> Staff:
        with self.sessions() as session:
            row = self._by_email(session, email)
            if row is None:
                raise AccountError(f"no account for {email}", "no_account", email=email)
            row.disabled_at = None
            row.failed_attempts = 0
            session.commit()
            return _staff(row)

    def reset(self, email: str, moment: datetime | None = None) -> tuple[Staff, str]:
        """Password and authenticator cleared, everyone signed out, a new setup token."""
        moment = moment or now()
        with self.sessions() as session:
            row = self._by_email(session, email)
            if row is None:
                raise AccountError(f"no account for {email}", "no_account", email=email)
            if row.disabled_at is not None:
                raise AccountError(f"{row.email} is disabled; enable it first", "disabled",
                                   email=row.email)
            row.password_hash = row.totp_secret = None
            session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == row.id))
            row.totp_last_step = row.failed_attempts = 0
            row.session_version += 1
            token = self._new_setup(row, moment)
            session.commit()
            return _staff(row), token

    def by_setup_token(self, token: str, moment: datetime | None = None) -> Staff | None:
        """The account a setup link is for, while the link is valid."""
        with self.sessions() as session:
            row = self._setup_row(session, token, moment or now())
            return None if row is None else _staff(row)

    def _setup_row(self, session: Session, token: str, moment: datetime) -> StaffAccount | None:
        row = session.scalar(select(StaffAccount).where(
            StaffAccount.setup_digest == digest(token)))
        if (row is None or row.disabled_at is not None or row.setup_expires_at is None
                or row.setup_expires_at <= moment):
            return None
        return row

    def complete_setup(self, token: str, password: str, secret: str, code: str,
                       moment: datetime | None = None) -> list[str]:
        """Set the password and the authenticator (proved by a code from it); the
        recovery codes, shown once. The setup link is used up."""
        moment = moment or now()
        with self.sessions() as session:
            row = self._setup_row(session, token, moment)
            if row is None:
                raise AccountError("This setup link has expired or was already used.",
                                   "setup_expired")
            reason = passwords.problem_code(password, row.email)
            if reason:
                raise AccountError(passwords.problem(password, row.email) or reason, reason,
                                   **passwords.PROBLEM_VALUES)
            step = factors.totp_step(secret, code, 0, moment.timestamp())
            if step is None:
                raise AccountError("That code does not match. Check the time on your phone "
                                   "and type the 6 digits your app shows now.", "wrong_code")
            codes = factors.new_recovery_codes()
            row.password_hash = passwords.hash_password(password)
            row.totp_secret = self.cipher.seal(row.id, "totp_secret", secret)
            row.totp_last_step = step
            session.execute(delete(RecoveryCode).where(RecoveryCode.account_id == row.id))
            session.add_all(RecoveryCode(account_id=row.id, digest=digest)
                            for digest in dict.fromkeys(map(factors.recovery_digest, codes)))
            row.setup_digest = row.setup_expires_at = None
            row.session_version += 1
            session.commit()
            return codes

    def check_password(self, email: str, password: str) -> Staff | None:
        """The account when the password is right and the account usable; None otherwise,
        after the same work either way."""
        with self.sessions() as session:
            row = self._by_email(session, email)
            stored = row.password_hash if row is not None else None
            if not passwords.verify_password(stored, password):
                return None
            assert row is not None
            if row.disabled_at is not None or row.totp_secret is None:
                return None
            if passwords.needs_rehash(stored or ""):
                row.password_hash = passwords.hash_password(password)
                session.commit()
            return _staff(row)

    def check_second_factor(self, account_id: str, code: str,
                            moment: datetime | None = None) -> str | None:
        """"totp" or "recovery" when ``code`` is a fresh TOTP code or an unused recovery
        code (which is then used up); None otherwise. Of simultaneous uses of one code,
        one gets through: each use is an update that only the first can make."""
        moment = moment or now()
        with self.sessions() as session:
            write_lock(session)
            row = session.get(StaffAccount, account_id)
            if row is None or row.disabled_at is not None or row.totp_secret is None:
                return None
            # A secret sealed under a lost data key cannot check a TOTP code; a recovery
            # code (a digest, not sealed) still lets its owner in to be reset.
            secret, _ = self.cipher.try_open(row.id, "totp_secret", row.totp_secret)
            step = None if secret is None else factors.totp_step(
                secret, code, row.totp_last_step, moment.timestamp())
            used = None
            if step is not None:
                if self._changed(session, update(StaffAccount).where(
                        StaffAccount.id == account_id, StaffAccount.totp_last_step < step)
                        .values(totp_last_step=step)):
                    used = "totp"
            elif len(code.strip()) >= factors.RECOVERY_LENGTH:
                if self._changed(session, update(RecoveryCode).where(
                        RecoveryCode.account_id == account_id,
                        RecoveryCode.digest == factors.recovery_digest(code),
                        RecoveryCode.used_at.is_(None)).values(used_at=moment)):
                    used = "recovery"
            if used:
                session.execute(update(StaffAccount).where(StaffAccount.id == account_id)
                                .values(last_sign_in_at=moment, failed_attempts=0))
            session.commit()
            return used

    @staticmethod
    def _changed(session: Session, statement: Any) -> bool:
        """Whether an UPDATE changed exactly one row (the atomic test of "unused")."""
        return session.execute(statement, execution_options={
            "synchronize_session": False}).rowcount == 1  # type: ignore[attr-defined]

    def code_used(self, account_id: str, code: str, moment: datetime | None = None) -> bool:
        """Whether ``code`` is this account's TOTP code for a step already used (signing
        in right after setup with the setup's code): the caller says "wait for the next
        one" instead of "wrong code". Checked only after ``check_second_factor`` refused."""
        moment = moment or now()
        with self.sessions() as session:
            row = session.get(StaffAccount, account_id)
            if row is None or row.totp_secret is None or not row.totp_last_step:
                return False
            secret, _ = self.cipher.try_open(row.id, "totp_secret", row.totp_secret)
            step = None if secret is None else factors.totp_step(
                secret, code, row.totp_last_step - 2, moment.timestamp())
            return step is not None and step <= row.totp_last_step

    def next_code_at(self, account_id: str) -> datetime | None:
        """When the authenticator shows the first code this account may still use (the
        step after the last one used), or None when there is none to wait for."""
        with self.sessions() as session:
            last = session.scalar(select(StaffAccount.totp_last_step).where(
                StaffAccount.id == account_id))
        return None if not last else factors.step_start(last + 1)

    def set_language(self, account_id: str, language: str | None) -> None:
        with self.sessions() as session:
            session.execute(update(StaffAccount).where(StaffAccount.id == account_id)
                            .values(language=language))
            session.commit()

    def recovery_left(self, account_id: str) -> int:
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(RecoveryCode).where(
                RecoveryCode.account_id == account_id, RecoveryCode.used_at.is_(None))) or 0

    def failed(self, email: str) -> tuple[str, int] | None:
        """Count a failed sign-in (password or code) against the account for ``email``:
        (its id, its failures since the last success), or None when there is none."""
        with self.sessions() as session:
            changed = session.execute(
                update(StaffAccount).where(StaffAccount.email == normal_email(email))
                .values(failed_attempts=StaffAccount.failed_attempts + 1)
                .returning(StaffAccount.id, StaffAccount.failed_attempts)).first()
            session.commit()
            return None if changed is None else (changed[0], changed[1])

    def failures(self, email: str) -> tuple[str, int] | None:
        """(account id, failures since the last success) for ``email``, if it has one."""
        with self.sessions() as session:
            found = session.execute(select(StaffAccount.id, StaffAccount.failed_attempts)
                                    .where(StaffAccount.email == normal_email(email))).first()
            return None if found is None else (found[0], found[1])
