"""Staff accounts: one-time setup links, passwords, the second factor, disable and reset.

A setup link is a random token valid for a day, stored only as a digest. Signing out,
reset and disable raise ``session_version``, which signs out every session made before:
the staff cookie is kept by the browser, so only the server can make a copy of it useless.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import orjson
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..staff import factors, passwords
from .crypto import Cipher
from .models import Role, StaffAccount
from .reference import digest
from .submissions import now

SETUP_HOURS = 24


class AccountError(ValueError):
    """An account command that cannot be done, with the reason in plain words."""


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
                 row.last_sign_in_at, row.created_at)


def normal_email(email: str) -> str:
    return email.strip().lower()


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
        email = normal_email(email)
        if "@" not in email or len(email) > 254 or any(ch.isspace() for ch in email):
            raise AccountError(f"{email!r} is not an email address")
        with self.sessions() as session:
            row = StaffAccount(email=email, role=role, created_at=moment, session_version=1,
                               totp_last_step=0, recovery_digests="[]", failed_attempts=0)
            token = self._new_setup(row, moment)
            session.add(row)
            try:
                session.commit()
            except IntegrityError:
                raise AccountError(f"there is already an account for {email}") from None
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
                raise AccountError(f"no account for {email}")
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
                raise AccountError(f"no account for {email}")
            row.disabled_at = None
            session.commit()
            return _staff(row)

    def reset(self, email: str, moment: datetime | None = None) -> tuple[Staff, str]:
        """Password and authenticator cleared, everyone signed out, a new setup token."""
        moment = moment or now()
        with self.sessions() as session:
            row = self._by_email(session, email)
            if row is None:
                raise AccountError(f"no account for {email}")
            if row.disabled_at is not None:
                raise AccountError(f"{row.email} is disabled; enable it first")
            row.password_hash = row.totp_secret = None
            row.recovery_digests = "[]"
            row.totp_last_step = 0
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
                raise AccountError("This setup link has expired or was already used.")
            reason = passwords.problem(password, row.email)
            if reason:
                raise AccountError(reason)
            step = factors.totp_step(secret, code, 0, moment.timestamp())
            if step is None:
                raise AccountError("That code does not match. Check the time on your phone "
                                   "and type the 6 digits your app shows now.")
            codes = factors.new_recovery_codes()
            row.password_hash = passwords.hash_password(password)
            row.totp_secret = self.cipher.seal(row.id, "totp_secret", secret)
            row.totp_last_step = step
            row.recovery_digests = orjson.dumps(
                [factors.recovery_digest(c) for c in codes]).decode()
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
        code (which is then used up); None otherwise."""
        moment = moment or now()
        with self.sessions() as session:
            row = session.scalar(select(StaffAccount).where(StaffAccount.id == account_id)
                                 .with_for_update())
            if row is None or row.disabled_at is not None or row.totp_secret is None:
                return None
            secret = self.cipher.open(row.id, "totp_secret", row.totp_secret)
            step = factors.totp_step(secret, code, row.totp_last_step, moment.timestamp())
            if step is not None:
                row.totp_last_step = step
                row.last_sign_in_at = moment
                session.commit()
                return "totp"
            unused = orjson.loads(row.recovery_digests)
            wanted = factors.recovery_digest(code)
            if len(code.strip()) >= factors.RECOVERY_LENGTH and wanted in unused:
                unused.remove(wanted)
                row.recovery_digests = orjson.dumps(unused).decode()
                row.last_sign_in_at = moment
                session.commit()
                return "recovery"
            return None

    def recovery_left(self, account_id: str) -> int:
        with self.sessions() as session:
            row = session.get(StaffAccount, account_id)
            return 0 if row is None else len(orjson.loads(row.recovery_digests))

    def rotate_keys(self) -> int:
        changed = 0
        with self.sessions() as session:
            for row in session.scalars(select(StaffAccount)):
                if row.totp_secret and self.cipher.needs_rotation(row.totp_secret):
                    row.totp_secret = self.cipher.rotate(row.totp_secret)
                    changed += 1
            session.commit()
        return changed
