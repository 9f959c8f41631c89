"""The audit log: who did what, when, to which submission; never health data.

Tamper-evident, not only append-only. Each line is sealed with an HMAC-SHA256 over its
number, time, fields and the previous line's seal, keyed with a secret the database does
not hold (``SCREENER_AUDIT_KEY``, else one derived from ``SECRET_KEY``). Line numbers are
the ids 1, 2, 3... with no gaps: appends are serialised (an advisory lock on PostgreSQL,
``BEGIN IMMEDIATE`` on SQLite) and the primary key plus an insert trigger (migration 0005)
refuse a line that is not the next one. So whoever can write to the database directly can
still break the chain, but not without ``screener audit verify`` naming the first broken
line. On PostgreSQL the app's role may only insert and read (docs/deploy.md, step 5: "two roles").
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import orjson
from cryptography.hazmat.primitives.hashes import SHA256
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from ..problems import ConfigError
from .models import AuditEntry, now

GENESIS = "0" * 64  # the "previous seal" of the first sealed line
KEY_LABEL = b"screener audit log chain v1"
LOCK_ID = 0x5C7EE1A0D17  # PostgreSQL advisory lock: one appender at a time
APPEND_TRIES = 20


class Action(StrEnum):
    SIGN_IN = "sign-in"
    FAILED_SIGN_IN = "failed-sign-in"
    SIGN_OUT = "sign-out"
    VIEW = "view"
    EDIT = "edit"
    EXPORT = "export"
    STATUS_CHANGE = "status-change"
    NOTE = "note"
    WITHDRAW = "withdraw"
    PURGE = "purge"
    ACCOUNT_CHANGE = "account-change"
    AUDIT_EXPORT = "audit-export"


@dataclass(frozen=True)
class Line:
    id: int
    at: datetime
    staff_id: str | None
    action: str
    submission_id: str | None
    detail: str

    def as_json(self) -> dict[str, object]:
        return {"id": self.id, "at": self.at.isoformat(timespec="seconds"),
                "staff_id": self.staff_id, "action": self.action,
                "submission_id": self.submission_id, "detail": self.detail}


FIELDS = ("id", "at", "staff_id", "action", "submission_id", "detail")


class AuditKeyMissing(ConfigError):
    """No key to seal audit lines with: writing one unsealed would break the chain."""


def derive_key(secret: str) -> bytes:
    """The chain's key from another secret (HKDF-SHA256 with a fixed label)."""
    return HKDF(algorithm=SHA256(), length=32, salt=None, info=KEY_LABEL).derive(
        secret.encode())


def audit_keys(config: Any) -> list[bytes]:
    """The key that seals (first) and the ones that still verify: ``AUDIT_KEY`` when set,
    else derived from ``SECRET_KEY``, then from each of ``SECRET_KEY_FALLBACKS``, so a
    changed secret key leaves the older lines verifiable while the old one is kept."""
    keys = []
    if config.get("AUDIT_KEY"):
        keys.append(str(config["AUDIT_KEY"]).encode())
    secrets = [config.get("SECRET_KEY"), *(config.get("SECRET_KEY_FALLBACKS") or [])]
    keys += [derive_key(str(secret)) for secret in secrets if secret]
    return keys


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def seal(key: bytes, number: int, at: datetime, staff_id: str | None, action: str,
         submission_id: str | None, detail: str, previous: str) -> str:
    """The line's HMAC: its place (number, previous seal) and everything it says."""
    message = orjson.dumps([number, _stamp(at), staff_id, action, submission_id, detail,
                            previous])
    return hmac.new(key, b"screener-audit-v1\n" + message, hashlib.sha256).hexdigest()


def _serialise(session: Session) -> None:
    """One appender at a time, held until the caller's transaction ends."""
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:lock)"), {"lock": LOCK_ID})
    elif connection.dialect.name == "sqlite":
        driver = connection.connection.driver_connection
        if driver is not None and not driver.in_transaction:
            connection.exec_driver_sql("BEGIN IMMEDIATE")


@dataclass(frozen=True)
class Verdict:
    """What ``verify`` found: the first broken line (None when intact) and why."""

    sealed: int
    unsealed: int
    last_id: int | None
    last_seal: str | None
    broken_id: int | None = None
    reason: str = ""

    @property
    def intact(self) -> bool:
        return self.broken_id is None


def _same(stored: str, wanted: str) -> bool:
    """Constant-time, and any text an attacker stored compares (not only ASCII)."""
    return hmac.compare_digest(stored.encode(), wanted.encode())


def check_chain(rows: Iterable[Any], keys: Sequence[bytes],
                head: tuple[int, str] | None = None) -> Verdict:
    """Check lines (oldest first, with the columns of ``AuditEntry``); stop at the first
    broken one.

    ``head`` is a (line, seal) noted earlier: that line must still be there, sealed the
    same, which also catches lines cut off the end."""
    sealed = unsealed = 0
    previous: Any = None
    started = False

    def broken(line: int, reason: str) -> Verdict:
        return Verdict(sealed, unsealed, previous.id if previous else None,
                       previous.mac if previous else None, line, reason)

    for row in rows:
        if head and row.id == head[0] and (row.mac is None or not _same(row.mac, head[1])):
            return broken(row.id, f"line {row.id} is not the line noted earlier "
                          "(its seal changed or was removed)")
        if row.mac is None and not started:
            unsealed += 1  # written before the chain began (migration 0005)
            previous = row
            continue
        expected = previous.id + 1 if previous else 1
        if row.id != expected:
            gap = (f"line {expected} is" if row.id == expected + 1
                   else f"lines {expected} to {row.id - 1} are")
            return broken(expected, f"{gap} missing: deleted from the database")
        if row.mac is None:
            return broken(row.id, f"line {row.id} is not sealed: it was written into "
                          "the database directly, not by the screener")
        chained = previous.mac if started and previous else GENESIS
        if not any(_same(row.mac, seal(key, row.id, row.at, row.staff_id, row.action,
                                       row.submission_id, row.detail, chained))
                   for key in keys):
            dated = (" It is dated before the line above it: backdated."
                     if previous and row.at < previous.at else "")
            return broken(row.id, f"line {row.id} does not match its seal: altered, "
                          f"inserted, moved or forged.{dated}")
        started, previous, sealed = True, row, sealed + 1
    if head and (previous is None or previous.id < head[0]):
        last = previous.id if previous else 0
        return broken(last + 1, f"the log ends at line {last}, before line {head[0]} "
                      "noted earlier: lines were cut off the end")
    return Verdict(sealed, unsealed, previous.id if previous else None,
                   previous.mac if previous else None)


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session], keys: Sequence[bytes] = ()) -> None:
        self.sessions = sessions
        self.keys = list(keys)

    def append(self, session: Session, action: Action | str, staff_id: str | None = None,
               submission_id: str | None = None, detail: str = "",
               moment: datetime | None = None) -> AuditEntry:
        """Add the next sealed line in ``session``'s transaction (the caller commits)."""
        if not self.keys:
            raise AuditKeyMissing(
                "The audit log cannot be written: set SCREENER_SECRET_KEY (or "
                "SCREENER_AUDIT_KEY) as the app has it, so lines are sealed with its key.")
        _serialise(session)
        last = session.execute(select(AuditEntry.id, AuditEntry.mac)
                               .order_by(AuditEntry.id.desc()).limit(1)).first()
        number = last.id + 1 if last else 1
        previous = (last.mac if last else None) or GENESIS
        at, detail = moment or now(), detail[:200]
        entry = AuditEntry(id=number, at=at, staff_id=staff_id, action=str(action),
                           submission_id=submission_id, detail=detail,
                           mac=seal(self.keys[0], number, at, staff_id, str(action),
                                    submission_id, detail, previous))
        session.add(entry)
        session.flush()
        return entry

    def record(self, action: Action | str, staff_id: str | None = None,
               submission_id: str | None = None, detail: str = "",
               moment: datetime | None = None) -> None:
        for attempt in range(APPEND_TRIES):
            with self.sessions() as session:
                try:
                    self.append(session, action, staff_id, submission_id, detail, moment)
                    session.commit()
                    return
                except IntegrityError:  # another writer took the number: read the new end
                    session.rollback()
                    if attempt == APPEND_TRIES - 1:
                        raise

    def verify(self, head: tuple[int, str] | None = None, batch: int = 1000) -> Verdict:
        """Walk the whole log, oldest first (see ``check_chain``)."""
        return check_chain(self._rows(batch), self.keys, head)

    def _rows(self, batch: int) -> Iterator[AuditEntry]:
        last = 0
        while True:
            with self.sessions() as session:
                rows = list(session.scalars(select(AuditEntry).where(AuditEntry.id > last)
                                            .order_by(AuditEntry.id).limit(batch)))
            yield from rows
            if len(rows) < batch:
                return
            last = rows[-1].id

    def page(self, offset: int = 0, limit: int = 100,
             action: str | None = None) -> tuple[list[Line], int]:
        """Newest first; (lines, total)."""
        query = select(AuditEntry)
        counted = select(func.count()).select_from(AuditEntry)
        if action:
            query = query.where(AuditEntry.action == action)
            counted = counted.where(AuditEntry.action == action)
        with self.sessions() as session:
            rows = session.scalars(query.order_by(AuditEntry.id.desc())
                                   .offset(offset).limit(limit))
            return [_line(row) for row in rows], session.scalar(counted) or 0

    def since(self, moment: datetime, batch: int = 1000) -> Iterator[Line]:
        """Every line at or after ``moment``, oldest first, read in batches."""
        last = 0
        while True:
            with self.sessions() as session:
                rows = list(session.scalars(
                    select(AuditEntry).where(AuditEntry.at >= moment, AuditEntry.id > last)
                    .order_by(AuditEntry.id).limit(batch)))
            yield from (_line(row) for row in rows)
            if len(rows) < batch:
                return
            last = rows[-1].id


def _line(row: AuditEntry) -> Line:
    return Line(row.id, row.at, row.staff_id, row.action, row.submission_id, row.detail)


def as_csv(lines: Iterator[Line]) -> Iterator[str]:
    """CSV with a header row, one chunk per line (for streaming)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    for line in lines:
        writer.writerow([line.id, line.at.isoformat(timespec="seconds"), line.staff_id or "",
                         line.action, line.submission_id or "", line.detail])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    if buffer.getvalue():
        yield buffer.getvalue()


def as_json_lines(lines: Iterator[Line]) -> Iterator[str]:
    for line in lines:
        yield orjson.dumps(line.as_json()).decode() + "\n"
