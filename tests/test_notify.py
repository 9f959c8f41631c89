"""The clinic's email on a new submission, through a real SMTP server on loopback (aiosmtpd):
no name, no phone, no health information; sent after the commit; retried when it fails."""

from __future__ import annotations

import logging
import time

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from screener.store.models import Submission

from .conftest import COMPLETE_ANSWERS, Inbox
from .test_handoff import CONTACT, URGENT, Patient

pytestmark = pytest.mark.parametrize("backend", ["sqlite"])


def notified_app(make_handoff_app, port: int, delays=(0.2, 0.2, 0.5, 1.0)):
    return make_handoff_app(SMTP_URL=f"smtp://127.0.0.1:{port}",
                            NOTIFY_EMAIL="intake@clinic.example", NOTIFY_RETRY_DELAYS=delays,
                            STAFF_URL="https://clinic.example/staff/")


def wait_for(condition, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.05)
    return condition()


def test_the_inbox_hears_of_a_new_submission_without_any_health_data(make_handoff_app,
                                                                     smtp_port, inbox):
    app = notified_app(make_handoff_app, smtp_port)
    patient = Patient(app.test_client()).finish(URGENT)
    token = patient.token()
    assert patient.send(token).location == "/sent"
    patient.send(token)  # the same form again: no second email
    assert wait_for(lambda: len(inbox.messages) == 1)
    mail = inbox.messages[0]
    body = mail.get_payload(decode=True).decode()
    assert mail["To"] == "intake@clinic.example" and "urgent" in mail["Subject"]
    assert "Urgent symptoms reported: yes" in body
    assert "https://clinic.example/staff/" in body
    raw = mail.as_string()
    for secret in (CONTACT["name"], "Quimbleworth", CONTACT["phone"], "0147", CONTACT["note"],
                   "herniated_disc", "fever", "leg_pain", "smoking"):
        assert secret not in raw
    time.sleep(0.3)
    assert len(inbox.messages) == 1
    submissions = app.extensions["screener.store"].submissions

    def notified_at():
        with submissions.sessions() as session:
            return session.scalar(select(Submission.notified_at))

    assert wait_for(lambda: notified_at() is not None)


def test_a_mail_server_that_is_down_neither_blocks_nor_loses_the_submission(
        make_handoff_app, smtp_port, caplog):
    app = notified_app(make_handoff_app, smtp_port, delays=(0.5, 1.0, 1.5))
    patient = Patient(app.test_client()).finish(COMPLETE_ANSWERS)
    caplog.set_level(logging.INFO, logger="screener.notify")
    # The send does not wait on the mail server: it ends while the server is down, and the
    # email arrives only once the server is back. (How long it takes: bench/notify_down.py.)
    assert patient.send().location == "/sent"
    assert app.extensions["screener.store"].submissions.count() == 1
    assert wait_for(lambda: "attempt 1 failed (ConnectionRefusedError)" in caplog.text, 5)
    handler = Inbox()  # the mail server comes back: the retry delivers
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert wait_for(lambda: len(handler.messages) == 1, 10), caplog.text
        assert "Urgent symptoms reported: no" in handler.messages[0].get_payload()
    finally:
        controller.stop()
    for name in (CONTACT["name"], CONTACT["phone"]):
        assert name not in caplog.text


def test_notify_command_sends_what_never_went_out(make_handoff_app, database_url, smtp_port,
                                                   inbox, monkeypatch):
    from datetime import timedelta

    from click.testing import CliRunner

    from screener.cli import main

    from .conftest import cron_env

    app = make_handoff_app()  # no mail settings: nothing is sent at the time
    Patient(app.test_client()).finish(URGENT).send()
    cron_env(monkeypatch, database_url, smtp_port)
    runner = CliRunner()
    assert "notified 0 of 0" in runner.invoke(main, ["notify"]).output  # too recent
    result = runner.invoke(main, ["notify", "--older-than", "0"])
    assert result.exit_code == 0 and "notified 1 of 1" in result.output
    assert wait_for(lambda: len(inbox.messages) == 1)
    assert "Urgent symptoms reported: yes" in inbox.messages[0].get_payload()
    assert "notified 0 of 0" in runner.invoke(main, ["notify", "--older-than", "0"]).output
    assert app.extensions["screener.store"].submissions.unnotified(timedelta(0)) == []
