"""Creating, reading, withdrawing and expiring submissions (re-keying: rotation.py).

Every read filters out expired rows, so nothing past its expiry is shown even before
``screener purge`` deletes it. Functions take a SQLAlchemy session and commit themselves,
so a caller never tells a patient "sent" before the row is durable.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from . import blindindex
from .blindindex import BlindIndex
from .crypto import Cipher, SealError
from .models import SearchEntry, Status, Submission, new_submission_id, now
from .reference import digest, normalise, reference_for

if TYPE_CHECKING:
    from .audit import AuditLog


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    best_time: str

    def as_json(self) -> dict[str, str]:
        return {"name": self.name, "phone": self.phone, "best_time": self.best_time}


@dataclass(frozen=True)
class NewSubmission:
    """What the patient chose to send, with the versions it was made under."""

    answers: dict[str, Any]
    contact: Contact
    note: str
    language: str
    urgent: bool
    ruleset_version: str
    consent_version: str
    guidance: tuple[str, ...] = ()


@dataclass(frozen=True)
class Opened:
    """A live submission with its sealed fields decrypted (for staff and for tests)."""

    id: str
    status: Status
    urgent: bool
    language: str
    ruleset_version: str
    consent_version: str
    created_at: datetime
    expires_at: datetime
    contact: Contact | None
    answers: dict[str, Any] | None
    note: str | None = field(default=None)
    reference: str | None = None
    guidance: tuple[str, ...] | None = None
    # Why a sealed field could not be opened ("key missing"); that field is then None.
    unreadable: str | None = None


@dataclass
class NotificationMark:
    """One submission's "email sent" mark, as ``notify.Notifier`` uses it: claimed before
    sending, released only when the send failed."""

    submissions: Submissions
    sid: str
    claimed: datetime | None = None

    def claim(self) -> bool:
        self.claimed = self.submissions.claim_notification(self.sid)
        return self.claimed is not None

    def release(self) -> None:
        if self.claimed is not None:
            self.submissions.release_notification(self.sid, self.claimed)
            self.claimed = None


def phone_digits(phone: str) -> str:
    """The digits of a phone number, for comparing what was typed twice."""
    return "".join(ch for ch in phone if ch.isdigit())


def _live(moment: datetime) -> Any:
    return Submission.expires_at > moment


class Submissions:
    """The submission store over one engine's sessions and one cipher."""

    def __init__(self, sessions: sessionmaker[Session], cipher: Cipher, secret: str,
                 audit: AuditLog | None = None, index: BlindIndex | None = None) -> None:
        self.sessions = sessions
        self.cipher = cipher
        self.secret = secret
        self.audit = audit  # a withdrawal's audit line is sealed in its transaction
        self.index = index  # names and numbers to search by, keyed (blindindex.py)

    def reference_for(self, send_token: str) -> str:
        return reference_for(self.secret, send_token)

    def create(self, new: NewSubmission, send_token: str, retention_days: int,
               moment: datetime | None = None) -> tuple[str, str, bool]:
        """(submission id, reference code, created); a repeated send token finds the first.

        Committed before returning: the caller may then tell the patient it was sent.
        """
        moment = moment or now()
        code = self.reference_for(send_token)
        sid = new_submission_id()
        row = Submission(
            id=sid, reference_digest=digest(code), send_digest=digest(send_token),
            status=Status.NEW, urgent=new.urgent, language=new.language,
            ruleset_version=new.ruleset_version, consent_version=new.consent_version,
            created_at=moment, expires_at=moment + timedelta(days=retention_days),
            contact=self.cipher.seal(sid, "contact", new.contact.as_json()),
            answers=self.cipher.seal(sid, "answers", new.answers),
            note=self.cipher.seal(sid, "note", new.note) if new.note else None,
            reference=self.cipher.seal(sid, "reference", code),
            guidance=self.cipher.seal(sid, "guidance", list(new.guidance)))
        with self.sessions() as session:
            session.add(row)
            try:
                if self.index is not None:
                    session.flush()
                    blindindex.add(session, self.index, sid, new.contact.name,
                                   new.contact.phone)
                session.commit()
                return sid, code, True
            except IntegrityError:
                session.rollback()
                existing = self.by_send_token(send_token)
                if existing is None:  # not a repeat of this form: the caller reports it
                    raise
        return existing, code, False

    def by_send_token(self, send_token: str) -> str | None:
        with self.sessions() as session:
            return session.scalar(select(Submission.id).where(
                Submission.send_digest == digest(send_token)))

    def status_of(self, sid: str, moment: datetime | None = None) -> Status | None:
        with self.sessions() as session:
            return session.scalar(select(Submission.status).where(
                Submission.id == sid, _live(moment or now())))

    def open(self, sid: str, moment: datetime | None = None) -> Opened | None:
        """The live submission ``sid`` decrypted, or None (missing or expired)."""
        with self.sessions() as session:
            row = session.scalar(select(Submission).where(Submission.id == sid,
                                                          _live(moment or now())))
            return None if row is None else self._opened(row)

    def live(self, moment: datetime | None = None) -> list[Opened]:
        """Every live submission, urgent first, then oldest first."""
        with self.sessions() as session:
            rows = session.scalars(select(Submission).where(_live(moment or now())).order_by(
                Submission.urgent.desc(), Submission.created_at))
            return [self._opened(row) for row in rows]

    def _opened(self, row: Submission) -> Opened:
        """Decrypted; a field no configured key opens is None and named in ``unreadable``,
        so one such row never takes a page down."""
        reasons: list[str] = []

        def opened(name: str) -> Any:
            token = getattr(row, name)
            if not token:
                return None
            value, reason = self.cipher.try_open(row.id, name, token)
            if reason:
                reasons.append(reason)
            return value

        contact, answers, note = opened("contact"), opened("answers"), opened("note")
        reference, guidance = opened("reference"), opened("guidance")
        return Opened(
            id=row.id, status=row.status, urgent=row.urgent, language=row.language,
            ruleset_version=row.ruleset_version, consent_version=row.consent_version,
            created_at=row.created_at, expires_at=row.expires_at,
            contact=Contact(**contact) if contact is not None else None, answers=answers,
            note=note, reference=reference,
            guidance=tuple(guidance) if guidance is not None else None,
            unreadable=reasons[0] if reasons else None)

    def by_reference(self, typed_code: str, moment: datetime | None = None) -> str | None:
        """The id of the live submission with this reference code, if any."""
        code = normalise(typed_code)
        if code is None:
            return None
        with self.sessions() as session:
            return session.scalar(select(Submission.id).where(
                Submission.reference_digest == digest(code), _live(moment or now())))

    def search(self, typed: str, moment: datetime | None = None) -> list[str]:
        """Ids of the live submissions whose name, a word of it, or phone number matches
        ``typed``, through the blind index: nothing is decrypted to search."""
        wanted = self.index.wanted(typed) if self.index is not None else []
        if not wanted:
            return []
        with self.sessions() as session:
            return list(session.scalars(
                select(Submission.id).where(
                    Submission.id.in_(select(SearchEntry.submission_id).where(
                        SearchEntry.digest.in_(wanted))), _live(moment or now()))
                .order_by(Submission.created_at)))

    def withdraw(self, sid: str, moment: datetime | None = None,
                 staff_id: str | None = None) -> bool:
        """Mark ``sid`` withdrawn and erase its contact details, answers and note (by the
        patient, or by ``staff_id`` at the patient's request on a call)."""
        moment = moment or now()
        with self.sessions() as session:
            row = session.scalar(select(Submission).where(Submission.id == sid, _live(moment))
                                 .with_for_update())
            if row is None:
                return False
            _erase(row, moment, self.audit, staff_id)
            session.commit()
            return True

    def withdraw_by_code(self, typed_code: str, phone: str,
                         moment: datetime | None = None) -> bool:
        """Withdraw when the code and the phone number match; False otherwise.

        The caller must answer the same either way, so nobody learns whether a code exists.
        """
        moment = moment or now()
        code = normalise(typed_code)
        wanted = phone_digits(phone)
        with self.sessions() as session:
            row = None if code is None else session.scalar(
                select(Submission).where(Submission.reference_digest == digest(code),
                                         _live(moment)).with_for_update())
            stored = ""
            if row is not None and row.contact:
                try:
                    stored = phone_digits(
                        self.cipher.open(row.id, "contact", row.contact)["phone"])
                except SealError:
                    stored = ""
            if row is None or not wanted or not hmac.compare_digest(stored, wanted):
                return False
            _erase(row, moment, self.audit)
            session.commit()
            return True

    def notification(self, sid: str) -> NotificationMark:
        """Where ``sid``'s intake email is marked sent (see ``notify.py``)."""
        return NotificationMark(self, sid)

    def claim_notification(self, sid: str, moment: datetime | None = None) -> datetime | None:
        """Mark ``sid`` notified if nobody has, committed before its email goes out; the
        mark's time, or None when it was marked already (sent, or being sent elsewhere).
        One conditional UPDATE: of any number of callers at once, one gets it."""
        moment = moment or now()
        with self.sessions() as session:
            result = session.execute(
                update(Submission).where(Submission.id == sid,
                                         Submission.notified_at.is_(None))
                .values(notified_at=moment))
            session.commit()
        return moment if result.rowcount == 1 else None

    def release_notification(self, sid: str, claimed: datetime) -> None:
        """Unmark ``sid`` after its email could not be sent, so a later try sends it; only
        the mark made at ``claimed`` (never another sender's)."""
        with self.sessions() as session:
            session.execute(
                update(Submission).where(Submission.id == sid,
                                         Submission.notified_at == claimed)
                .values(notified_at=None))
            session.commit()

    def unnotified(self, older_than: timedelta,
                   moment: datetime | None = None) -> list[tuple[str, bool]]:
        """(id, urgent) of live new submissions whose email never went out."""
        moment = moment or now()
        with self.sessions() as session:
            return [(sid, urgent) for sid, urgent in session.execute(
                select(Submission.id, Submission.urgent).where(
                    Submission.notified_at.is_(None), Submission.status == Status.NEW,
                    Submission.created_at <= moment - older_than, _live(moment))
                .order_by(Submission.created_at))]

    def purge(self, moment: datetime | None = None) -> int:
        """Delete every expired submission; the number deleted."""
        with self.sessions() as session:
            result = session.execute(delete(Submission).where(
                Submission.expires_at <= (moment or now())))
            session.commit()
            return result.rowcount or 0

    def count(self) -> int:
        """All rows, live or not (for tests and benchmarks)."""
        from sqlalchemy import func

        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(Submission)) or 0


def _erase(row: Submission, moment: datetime, audit: AuditLog | None,
           staff_id: str | None = None) -> None:
    """Withdrawn: the patient's data goes, and so do the nurses' copies and notes; the
    audit line is written in the same transaction."""
    from .models import SubmissionEvent, SubmissionVersion

    if audit is None:
        raise RuntimeError("Submissions needs the AuditLog to record a withdrawal")

    row.status = Status.WITHDRAWN
    row.withdrawn_at = moment
    row.contact = row.answers = row.note = row.guidance = None
    session = Session.object_session(row)
    assert session is not None
    blindindex.forget(session, row.id)
    session.execute(delete(SubmissionVersion).where(SubmissionVersion.submission_id == row.id))
    session.execute(update(SubmissionEvent).where(SubmissionEvent.submission_id == row.id)
                    .values(note=None))
    audit.append(session, "withdraw", staff_id=staff_id, submission_id=row.id,
                 detail="by staff" if staff_id else "by patient", moment=moment)

