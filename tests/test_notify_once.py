"""The intake email goes out at most once, whatever the database does around it: marked
sent (committed) before the mail server is contacted, so a database that fails after the
mail server accepted it cannot make ``screener notify`` send it again. On SQLite and
PostgreSQL, with a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from click.testing import CliRunner
from sqlalchemy import event
from sqlalchemy.exc import OperationalError

from screener.cli import main
from screener.notify import Notifier, Outcome

from .conftest import cron_env
from .test_handoff import URGENT, Patient
from .test_notify import notified_app, wait_for


class Outage:
    """The database refuses every commit while ``down`` is set: what the app meets when
    PostgreSQL stops, or the SQLite file turns read-only, between two of its writes."""

    def __init__(self, engine) -> None:
        self.down = threading.Event()
        self.refused = 0
        event.listen(engine, "commit", self._commit)

    def _commit(self, connection) -> None:
        if self.down.is_set():
            self.refused += 1
            connection.connection.rollback()  # nothing of the transaction is written
            raise OperationalError("COMMIT", {}, ConnectionError("database outage (test)"))


def cli_notify(monkeypatch, database_url: str, smtp_port: int) -> str:
    """``screener notify --older-than 0`` as cron runs it, with the database back."""
    cron_env(monkeypatch, database_url, smtp_port)
    result = CliRunner().invoke(main, ["notify", "--older-than", "0"])
    assert result.exit_code == 0, result.output
    return result.output


def test_a_database_outage_after_the_mail_server_accepted_never_sends_twice(
        make_handoff_app, database_url, smtp_port, inbox, monkeypatch):
    app = notified_app(make_handoff_app, smtp_port)
    outage = Outage(app.extensions["screener.store"].engine)
    accept = inbox.handle_message

    def accept_then_fail(message) -> None:  # the outage starts before the "250 OK"
        outage.down.set()
        accept(message)

    inbox.handle_message = accept_then_fail
    assert Patient(app.test_client()).finish(URGENT).send().location == "/sent"
    notifier = app.extensions["screener.notifier"]
    for thread in notifier.threads:
        thread.join(timeout=30)
        assert not thread.is_alive()
    assert len(inbox.messages) == 1
    outage.down.clear()  # the database is back; cron runs `screener notify`
    assert "notified 0 of 0" in cli_notify(monkeypatch, database_url, smtp_port)
    assert len(inbox.messages) == 1


def test_a_database_that_cannot_mark_it_sends_nothing_until_it_can(
        make_handoff_app, database_url, smtp_port, inbox, monkeypatch):
    app = make_handoff_app()  # no mail settings: the email is left to `screener notify`
    Patient(app.test_client()).finish(URGENT).send()
    store = app.extensions["screener.store"]
    (sid, urgent), = store.submissions.unnotified(timedelta(0))
    notifier = Notifier(f"smtp://127.0.0.1:{smtp_port}", "intake@clinic.example", (), "Clinic")
    mail = notifier.message(urgent, "https://clinic.example/staff/")
    outage = Outage(store.engine)
    outage.down.set()
    assert notifier.attempt(mail, store.submissions.notification(sid)) is Outcome.NOT_MARKED
    assert outage.refused == 1 and inbox.messages == []
    outage.down.clear()
    assert notifier.attempt(mail, store.submissions.notification(sid)) is Outcome.SENT
    assert notifier.attempt(mail, store.submissions.notification(sid)) is Outcome.TAKEN
    assert "notified 0 of 0" in cli_notify(monkeypatch, database_url, smtp_port)
    assert len(inbox.messages) == 1


def test_a_refused_email_is_unmarked_so_a_later_try_sends_it_once(
        make_handoff_app, database_url, smtp_port, monkeypatch):
    from aiosmtpd.controller import Controller

    from .conftest import Inbox

    app = make_handoff_app()
    Patient(app.test_client()).finish(URGENT).send()
    submissions = app.extensions["screener.store"].submissions
    (sid, urgent), = submissions.unnotified(timedelta(0))
    notifier = Notifier(f"smtp://127.0.0.1:{smtp_port}", "intake@clinic.example", (), "Clinic")
    mail = notifier.message(urgent, "https://clinic.example/staff/")
    # No mail server listening yet: refused, and the mark taken back.
    assert notifier.attempt(mail, submissions.notification(sid)) is Outcome.FAILED
    assert submissions.unnotified(timedelta(0)) == [(sid, urgent)]
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert "notified 1 of 1" in cli_notify(monkeypatch, database_url, smtp_port)
        assert "notified 0 of 0" in cli_notify(monkeypatch, database_url, smtp_port)
        assert wait_for(lambda: len(handler.messages) == 1)
    finally:
        controller.stop()
    assert len(handler.messages) == 1


def test_a_mark_that_cannot_be_taken_back_is_kept_and_sent_by_its_holder(
        make_handoff_app, smtp_port):
    """Mail server down, then the database too: the mark stays this sender's, who sends it
    when the mail server is back; nobody else does."""
    from aiosmtpd.controller import Controller

    from .conftest import Inbox

    app = make_handoff_app()
    Patient(app.test_client()).finish(URGENT).send()
    store = app.extensions["screener.store"]
    (sid, urgent), = store.submissions.unnotified(timedelta(0))
    notifier = Notifier(f"smtp://127.0.0.1:{smtp_port}", "intake@clinic.example", (), "Clinic")
    mail = notifier.message(urgent, "https://clinic.example/staff/")
    mark = store.submissions.notification(sid)
    outage = Outage(store.engine)

    class DownAfterClaim:
        def claim(self) -> bool:
            claimed = mark.claim()
            outage.down.set()  # the database goes down while the email is being sent
            return claimed

        def release(self) -> None:
            mark.release()

    assert notifier.attempt(mail, DownAfterClaim()) is Outcome.HELD
    outage.down.clear()  # the database is back: the mark is still there, still this sender's
    assert store.submissions.unnotified(timedelta(0)) == []  # no one else sends it
    assert notifier.attempt(mail, store.submissions.notification(sid)) is Outcome.TAKEN
    handler = Inbox()
    controller = Controller(handler, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    try:
        assert notifier.attempt(mail, mark, held=True) is Outcome.SENT
        assert wait_for(lambda: len(handler.messages) == 1)
    finally:
        controller.stop()
    assert len(handler.messages) == 1


def test_of_eight_senders_at_once_exactly_one_may_send(make_handoff_app):
    app = make_handoff_app()
    Patient(app.test_client()).finish(URGENT).send()
    submissions = app.extensions["screener.store"].submissions
    (sid, _), = submissions.unnotified(timedelta(0))
    start = threading.Barrier(8)
    won: list[bool] = []

    def claim() -> None:
        mark = submissions.notification(sid)
        start.wait(timeout=10)
        won.append(mark.claim())

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(won) == [False] * 7 + [True]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_the_background_sender_waits_out_an_outage_at_the_mark(make_handoff_app, smtp_port,
                                                               inbox):
    """The mark fails while the database is down: nothing is sent then; the next retry,
    with the database back, sends it once."""
    app = notified_app(make_handoff_app, smtp_port, delays=(0.3, 1.0, 3.0, 10.0))
    patient = Patient(app.test_client()).finish(URGENT)
    token = patient.token()
    store = app.extensions["screener.store"]
    outage = Outage(store.engine)
    create = store.submissions.create

    def create_then_fail(*args, **kwargs):
        created = create(*args, **kwargs)
        outage.down.set()  # committed; the database goes down before the email's mark
        return created

    store.submissions.create = create_then_fail
    assert patient.send(token).location == "/sent"
    assert wait_for(lambda: outage.refused >= 1)
    assert inbox.messages == []
    outage.down.clear()
    assert wait_for(lambda: len(inbox.messages) == 1)
    for thread in app.extensions["screener.notifier"].threads:
        thread.join(timeout=30)
    assert len(inbox.messages) == 1
    assert store.submissions.unnotified(timedelta(0)) == []
