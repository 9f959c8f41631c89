"""The append-only audit log: who did what, when, to which submission; never health data.

Only ``record`` writes; the database refuses updates and deletes (migration 0002's
triggers), so not even a bug here can rewrite history.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

import orjson
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from .models import AuditEntry
from .submissions import now


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


class AuditLog:
    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    def record(self, action: Action, staff_id: str | None = None,
               submission_id: str | None = None, detail: str = "",
               moment: datetime | None = None) -> None:
        with self.sessions() as session:
            session.add(AuditEntry(at=moment or now(), staff_id=staff_id, action=str(action),
                                   submission_id=submission_id, detail=detail[:200]))
            session.commit()

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
