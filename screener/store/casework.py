"""The clinic's work on a submission: the worklist, corrected answers as new versions,
call notes, status changes, and the history of all three.

The patient's answers stay as sent (version 1, on the submission row); every correction on
a call is a new sealed row with the nurse's id. Expired submissions never show.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from .crypto import Cipher
from .db import write_lock
from .models import (
    EventKind,
    StaffAccount,
    Status,
    Submission,
    SubmissionEvent,
    SubmissionVersion,
    now,
)
from .submissions import Contact

# Answers already decrypted, or None with the reason they could not be.
Opening = tuple[dict[str, Any] | None, str | None]

# What "to do" means in the worklist: not yet settled.
OPEN = (Status.NEW, Status.CONTACTED)
# Saves of one submission's answers tried before giving up on a free version number.
VERSION_ATTEMPTS = 5
STAFF_STATUSES = (Status.NEW, Status.CONTACTED, Status.BOOKED, Status.NOT_NOW,
                  Status.REFERRED_ELSEWHERE, Status.CLOSED)


@dataclass(frozen=True)
class WorkItem:
    id: str
    status: Status
    urgent: bool
    created_at: datetime
    expires_at: datetime
    contact: Contact | None
    unreadable: str | None = None  # why the contact details cannot be opened
    language: str = ""  # the patient's language
    reference: str | None = None  # the code the patient was shown
    note: str | None = None  # the patient's own words, as written


@dataclass(frozen=True)
class Version:
    number: int
    answers: dict[str, Any]
    at: datetime
    by: str | None  # staff email; None for the patient's own
    unreadable: str | None = None  # why the answers cannot be opened (they are then {})


@dataclass(frozen=True)
class Event:
    at: datetime
    kind: str  # "sent", "version", "note", "status"
    by: str | None
    text: str
    unreadable: str | None = None  # why a note cannot be opened (its text is then "")


class Casework:
    def __init__(self, sessions: sessionmaker[Session], cipher: Cipher) -> None:
        self.sessions = sessions
        self.cipher = cipher

    def worklist(self, statuses: tuple[Status, ...] | None, offset: int, limit: int,
                 moment: datetime | None = None,
                 only: list[str] | None = None) -> tuple[list[WorkItem], int]:
        """Urgent first, then oldest first; (one page, how many in all). ``only``: these
        ids (a search's), whatever their status."""
        moment = moment or now()
        live = Submission.expires_at > moment
        where = [live] if statuses is None else [live, Submission.status.in_(statuses)]
        if only is not None:
            where = [live, Submission.id.in_(only)]
        order = (Submission.urgent.desc(), Submission.created_at, Submission.id)
        with self.sessions() as session:
            if only is not None:
                total = session.scalar(select(func.count()).select_from(Submission)
                                       .where(*where)) or 0
            elif statuses is None:
                total = session.scalar(select(func.count()).select_from(Submission)
                                       .where(live)) or 0  # the expires_at index alone
            else:  # counted first: a purge in between can only over-count by its rows
                every = session.scalar(select(func.count()).select_from(Submission)
                                       .where(Submission.status.in_(statuses))) or 0
                expired = self._expired(session, moment)
                total = every - sum(expired[status] for status in set(statuses))
            # The page's ids first, sorted without the ciphertext; then those rows only.
            page = (select(Submission.id).where(*where).order_by(*order)
                    .offset(offset).limit(limit))
            rows = session.execute(
                select(Submission.id, Submission.status, Submission.urgent,
                       Submission.created_at, Submission.expires_at, Submission.contact,
                       Submission.language, Submission.reference, Submission.note)
                .where(Submission.id.in_(page)).order_by(*order)).all()
        return [self._item(r) for r in rows], total

    def _item(self, row: Any) -> WorkItem:
        """One worklist line; contact details no key opens show as unreadable, not a 500."""
        contact, reason = (self.cipher.try_open(row.id, "contact", row.contact)
                           if row.contact else (None, None))
        reference = (self.cipher.try_open(row.id, "reference", row.reference)[0]
                     if row.reference else None)
        note = self.cipher.try_open(row.id, "note", row.note)[0] if row.note else None
        return WorkItem(row.id, row.status, row.urgent, row.created_at, row.expires_at,
                        Contact(**contact) if contact is not None else None, reason,
                        row.language, reference, note)

    def _version(self, row_id: str, number: int, token: str, at: datetime,
                 by: str | None) -> Version:
        answers, reason = self.cipher.try_open(row_id, "answers", token)
        return Version(number, answers if answers is not None else {}, at, by, reason)

    def counts(self, moment: datetime | None = None) -> dict[Status, int]:
        moment = moment or now()
        with self.sessions() as session:
            found = dict(session.execute(
                select(Submission.status, func.count()).group_by(Submission.status))
                .all())
            expired = self._expired(session, moment)
        return {status: found.get(status, 0) - expired[status] for status in Status}

    @staticmethod
    def _expired(session: Session, moment: datetime) -> Counter[Status]:
        """Statuses of the rows past their expiry that ``screener purge`` has not deleted
        yet (few when it runs daily). Counting every row by status, less these, reads the
        (status, urgent, created_at) index alone; filtering on expiry in the same query
        would read each row from the table."""
        return Counter(session.scalars(select(Submission.status).where(
            Submission.expires_at <= moment)))

    def _live_row(self, session: Session, sid: str, moment: datetime) -> Submission | None:
        return session.scalar(select(Submission).where(
            Submission.id == sid, Submission.expires_at > moment,
            Submission.status != Status.WITHDRAWN).with_for_update())

    def versions(self, sid: str, first: Opening | None = None) -> list[Version]:
        """Every version of the answers, the patient's first (number 1).

        ``first``: version 1's answers and why they could not be opened, from a caller
        that has opened the row already (``Submissions.open``), so they are decrypted once.
        """
        with self.sessions() as session:
            row = session.get(Submission, sid)
            if row is None or row.answers is None:
                return []
            found = [self._version(sid, 1, row.answers, row.created_at, None) if first is None
                     else Version(1, first[0] if first[0] is not None else {},
                                  row.created_at, None, first[1])]
            for version, email in session.execute(
                    select(SubmissionVersion, StaffAccount.email)
                    .join(StaffAccount, StaffAccount.id == SubmissionVersion.staff_id)
                    .where(SubmissionVersion.submission_id == sid)
                    .order_by(SubmissionVersion.number)):
                found.append(self._version(f"{sid}/{version.number}", version.number,
                                           version.answers, version.created_at, email))
            return found

    def save_version(self, sid: str, staff_id: str, answers: dict[str, Any],
                     moment: datetime | None = None) -> int | None:
        """A new version by ``staff_id``; its number, or None if the submission is gone.

        Numbers are unique per submission (an index): nurses saving at once are
        serialised by the row lock (``db.write_lock`` on SQLite), and should a number be
        taken anyway, the save is tried again with the next one."""
        moment = moment or now()
        attempt = 1
        while True:
            try:
                return self._next_version(sid, staff_id, answers, moment)
            except IntegrityError:
                if attempt == VERSION_ATTEMPTS:
                    raise
                attempt += 1

    def _next_version(self, sid: str, staff_id: str, answers: dict[str, Any],
                      moment: datetime) -> int | None:
        with self.sessions() as session:
            write_lock(session)
            if self._live_row(session, sid, moment) is None:
                return None
            last = session.scalar(select(func.max(SubmissionVersion.number)).where(
                SubmissionVersion.submission_id == sid)) or 1
            number = last + 1
            session.add(SubmissionVersion(
                submission_id=sid, number=number, staff_id=staff_id, created_at=moment,
                answers=self.cipher.seal(f"{sid}/{number}", "answers", answers)))
            session.commit()
            return number

    def add_note(self, sid: str, staff_id: str, text: str,
                 moment: datetime | None = None) -> bool:
        moment = moment or now()
        with self.sessions() as session:
            if self._live_row(session, sid, moment) is None:
                return False
            event = SubmissionEvent(submission_id=sid, staff_id=staff_id, at=moment,
                                    kind=EventKind.NOTE)
            session.add(event)
            session.flush()
            event.note = self.cipher.seal(f"{sid}/event/{event.id}", "note", text)
            session.commit()
            return True

    def set_status(self, sid: str, staff_id: str, status: Status,
                   moment: datetime | None = None) -> bool:
        """Move a live submission to ``status`` (one the staff may set)."""
        if status not in STAFF_STATUSES:
            raise ValueError(f"staff cannot set {status}")
        moment = moment or now()
        with self.sessions() as session:
            row = self._live_row(session, sid, moment)
            if row is None:
                return False
            if row.status != status:
                row.status = status
                session.add(SubmissionEvent(submission_id=sid, staff_id=staff_id, at=moment,
                                            kind=EventKind.STATUS, status=status))
            session.commit()
            return True

    def history(self, sid: str) -> list[Event]:
        """Sent, corrected, noted, moved on: oldest first."""
        with self.sessions() as session:
            row = session.get(Submission, sid)
            if row is None:
                return []
            events = [Event(row.created_at, "sent", None, "")]
            if row.withdrawn_at:
                events.append(Event(row.withdrawn_at, "withdrawn", None, ""))
            for version, email in session.execute(
                    select(SubmissionVersion, StaffAccount.email)
                    .join(StaffAccount, StaffAccount.id == SubmissionVersion.staff_id)
                    .where(SubmissionVersion.submission_id == sid)):
                events.append(Event(version.created_at, "version", email,
                                    str(version.number)))
            for event, email in session.execute(
                    select(SubmissionEvent, StaffAccount.email)
                    .join(StaffAccount, StaffAccount.id == SubmissionEvent.staff_id)
                    .where(SubmissionEvent.submission_id == sid)):
                if event.kind is EventKind.STATUS:
                    events.append(Event(event.at, "status", email, str(event.status)))
                elif event.note:
                    text, reason = self.cipher.try_open(f"{sid}/event/{event.id}", "note",
                                                        event.note)
                    events.append(Event(event.at, "note", email, text or "", reason))
            return sorted(events, key=lambda e: e.at)
