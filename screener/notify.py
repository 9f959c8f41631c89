"""Telling the clinic's intake inbox that a submission is waiting, without health data.

The email says only that a submission arrived, whether urgent symptoms were reported, and
where the staff area is: no name, no phone number, no answers. It is sent after the
submission is committed, from a background thread, so a slow or broken mail server never
delays the patient; a failed send is logged (the error type only) and retried.

**Each email is sent at most once.** Before the mail server is contacted, the submission is
marked notified in its own committed transaction (a conditional UPDATE, so of two senders,
the background thread and ``screener notify``, only one gets it). Once the mail server has
accepted the email nothing is left to write, so a database that fails then (an outage, a
read-only file) cannot make the email go out again. A database that cannot mark it means
nothing is sent and the thread tries again later (so does ``screener notify``); a mail
server that refuses it means the mark is taken back and it is tried again. The price of
"at most once": if the worker dies during the few seconds of one SMTP conversation, or the
database fails both to take the mark back and on every retry, that email is never sent.
The submission itself is never lost: it waits in the staff worklist, urgent first, and the
email carries nothing the worklist does not show.

``SMTP_URL``: ``smtp://[user:password@]host[:port]`` (``?starttls=true`` to upgrade), or
``smtps://`` for TLS from the start. ``NOTIFY_EMAIL``: the inbox (commas for several).
"""

from __future__ import annotations

import logging
import smtplib
import ssl
import threading
import time
from collections.abc import Sequence
from email.message import EmailMessage
from enum import Enum
from typing import Protocol
from urllib.parse import parse_qs, unquote, urlsplit

log = logging.getLogger("screener.notify")


class SentMark(Protocol):
    """Where an email is marked sent (``store.submissions.NotificationMark``)."""

    def claim(self) -> bool:
        """Mark it, committed; False when it was marked already. Raises when the database
        cannot."""

    def release(self) -> None:
        """Take this caller's mark back after a failed send. Raises when it cannot."""


class Outcome(Enum):
    SENT = "sent"  # marked first, then accepted by the mail server
    TAKEN = "taken"  # marked already: sent, or being sent, by someone else
    NOT_MARKED = "not marked"  # the database could not mark it: nothing sent
    FAILED = "failed"  # the mail server did not accept it; the mark was taken back
    HELD = "held"  # not accepted, and the mark could not be taken back: still ours


class Notifier:
    def __init__(self, smtp_url: str, recipients: str, delays: Sequence[float],
                 clinic: str) -> None:
        parts = urlsplit(smtp_url)
        if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
            raise ValueError("SCREENER_SMTP_URL must look like smtp://host:port or "
                             "smtps://user:password@host")
        self.scheme = parts.scheme
        self.host = parts.hostname
        self.port = parts.port or (465 if parts.scheme == "smtps" else 25)
        self.user = unquote(parts.username) if parts.username else None
        self.password = unquote(parts.password) if parts.password else None
        query = parse_qs(parts.query)
        self.starttls = query.get("starttls", ["false"])[0].lower() in ("1", "true", "yes")
        self.sender = query.get("from", [f"screener@{self.host}"])[0]
        self.recipients = [r.strip() for r in recipients.split(",") if r.strip()]
        self.delays = tuple(float(d) for d in delays)
        self.clinic = clinic
        self.threads: list[threading.Thread] = []

    def message(self, urgent: bool, staff_url: str) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = ", ".join(self.recipients)
        mail["Subject"] = ("New screener submission: urgent symptoms reported" if urgent
                           else "New screener submission waiting")
        mail.set_content(
            f"A patient has sent their screener answers to {self.clinic}.\n\n"
            f"Urgent symptoms reported: {'yes' if urgent else 'no'}\n\n"
            f"Sign in to the staff area to see it: {staff_url}\n\n"
            "This email has no name, phone number or health details, by design.\n")
        return mail

    def send(self, mail: EmailMessage) -> None:
        if self.scheme == "smtps":
            client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=10,
                                                   context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=10)
        with client:
            if self.starttls:
                client.starttls(context=ssl.create_default_context())
            if self.user:
                client.login(self.user, self.password or "")
            client.send_message(mail)

    def submitted(self, urgent: bool, staff_url: str, mark: SentMark) -> threading.Thread:
        """Send in the background, retrying after each of ``delays``; never raises."""
        mail = self.message(urgent, staff_url)
        thread = threading.Thread(target=self._deliver, args=(mail, mark), daemon=True,
                                  name="screener-notify")
        self.threads = [t for t in self.threads if t.is_alive()] + [thread]
        thread.start()
        return thread

    def attempt(self, mail: EmailMessage, mark: SentMark, held: bool = False,
                number: int = 1) -> Outcome:
        """One try: mark (unless ``held``, a mark this caller still has), send, and take
        the mark back if the mail server did not accept it. Never raises."""
        if not held:
            try:
                if not mark.claim():
                    return Outcome.TAKEN
            except Exception as exc:  # noqa: BLE001 - whatever the database raised
                log.warning("Notification email attempt %d not sent: the database could "
                            "not mark it (%s)", number, type(exc).__name__)
                return Outcome.NOT_MARKED
        try:
            self.send(mail)
        except (OSError, smtplib.SMTPException) as exc:
            log.warning("Notification email attempt %d failed (%s)", number,
                        type(exc).__name__)
            try:
                mark.release()
            except Exception as exc:  # noqa: BLE001 - whatever the database raised
                log.warning("Could not take back the notification's mark (%s)",
                            type(exc).__name__)
                return Outcome.HELD
            return Outcome.FAILED
        return Outcome.SENT

    def _deliver(self, mail: EmailMessage, mark: SentMark) -> None:
        outcome = None
        for attempt, delay in enumerate((0.0, *self.delays), start=1):
            time.sleep(delay)
            outcome = self.attempt(mail, mark, outcome is Outcome.HELD, attempt)
            if outcome is Outcome.SENT:
                log.info("Notification email sent (attempt %d)", attempt)
                return
            if outcome is Outcome.TAKEN:
                return
        log.error("Notification email given up after %d attempts; the submission is stored "
                  "and waits in the staff worklist%s", len(self.delays) + 1,
                  " (it stays marked as notified: the database could not unmark it)"
                  if outcome is Outcome.HELD else "")


def send_setup_link(smtp_url: str, email: str, link: str, clinic: str) -> None:
    """Email a new staff account its one-time setup link (raises on failure)."""
    notifier = Notifier(smtp_url, email, (), clinic)
    mail = EmailMessage()
    mail["From"] = notifier.sender
    mail["To"] = email
    mail["Subject"] = f"Your {clinic} screener staff account"
    mail.set_content(
        f"An account in the {clinic} screener's staff area was made for you.\n\n"
        f"Set your password and your authenticator app here (the link works once, for "
        f"24 hours):\n{link}\n\nIf you did not expect this, tell your clinic's admin.\n")
    notifier.send(mail)
