"""Data keys, on SQLite and a real PostgreSQL: rotation beside a running clinic never brings
back what a patient withdrew, a wrong key stops start-up naming the missing key, and a row
sealed under a lost key shows as "cannot be read" instead of taking pages down."""

from __future__ import annotations

import threading

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from screener.cli import main
from screener.store.crypto import Cipher, key_id, new_key
from screener.store.keycheck import WrongDataKeys, needed
from screener.store.models import (
    KeyCheck,
    StaffAccount,
    Status,
    Submission,
    SubmissionEvent,
    SubmissionVersion,
)
from screener.store.rotation import SEALED
from screener.store.service import Store
from screener.store.submissions import Contact, NewSubmission

from .conftest import COMPLETE_ANSWERS, HANDOFF_CONFIG, TEST_DATA_KEYS
from .staffkit import make_person, make_person_in
from .test_handoff import Patient, outage_page

OLD, NEW = TEST_DATA_KEYS
BOTH = f"{NEW}, {OLD}"
ERASED = ("contact", "answers", "note", "guidance")


def sent(store: Store, n: int, name: str = "Ana Lopez") -> str:
    new = NewSubmission(answers=dict(COMPLETE_ANSWERS), urgent=n % 3 == 0,
                        contact=Contact(name, "555 010 1234", "morning"), note="Mornings",
                        language="en", ruleset_version="2026.12+abc",
                        consent_version="2026-12-1", guidance=("discuss-miss",))
    sid, _, _ = store.submissions.create(new, f"{n:032d}", 30)
    return sid


def worked_on(store: Store, staff_id: str, count: int) -> list[str]:
    """``count`` submissions, each with a nurse's corrected version and a call note."""
    sids = []
    for n in range(count):
        sid = sent(store, n)
        store.casework.save_version(sid, staff_id, dict(COMPLETE_ANSWERS, pain_score=7))
        store.casework.add_note(sid, staff_id, f"Called, note {n}")
        sids.append(sid)
    return sids


def owners(store: Store, table: str, ids: list) -> list[str]:
    """The submissions the rows ``ids`` of ``table`` belong to."""
    model = {"submissions": Submission, "submission_versions": SubmissionVersion,
             "submission_events": SubmissionEvent}[table]
    column = model.id if model is Submission else model.submission_id
    with store.engine.connect() as connection:
        return list(connection.scalars(select(column).where(model.id.in_(ids))
                                       .order_by(model.id)))


def assert_erased_and_rotated(store: Store, withdrawn: set[str], reset: set[str]) -> int:
    """Withdrawn submissions (and reset accounts) hold nothing; every other sealed value
    opens with the new key alone. The number of values checked."""
    only_new = Cipher(NEW)
    with store.engine.connect() as connection:
        for row in connection.execute(select(Submission).where(Submission.id.in_(withdrawn))):
            assert row.status == Status.WITHDRAWN
            assert [getattr(row, name) for name in ERASED] == [None] * 4, row.id
        assert connection.scalars(select(SubmissionVersion.id).where(
            SubmissionVersion.submission_id.in_(withdrawn))).all() == []
        assert connection.scalars(select(SubmissionEvent.id).where(
            SubmissionEvent.submission_id.in_(withdrawn),
            SubmissionEvent.note.is_not(None))).all() == []
        assert connection.scalars(select(StaffAccount.id).where(
            StaffAccount.id.in_(reset), StaffAccount.totp_secret.is_not(None))).all() == []
        checked = 0
        for table, columns in SEALED:
            for row in connection.execute(select(*(table.c[name] for name in columns))):
                for token in filter(None, row):
                    assert not only_new.needs_rotation(token)
                    checked += 1
    return checked


# Withdrawal wins over rotation


def test_a_withdrawal_between_reading_and_writing_a_batch_is_never_undone(make_handoff_app):
    """Every batch of every sealed table has rows withdrawn (and an account reset) after
    the rotation read them and before it writes them back: the worst interleaving, made
    deterministic by the rotation's own between-batches hook."""
    clinic_app = make_handoff_app()
    clinic = clinic_app.extensions["screener.store"]
    nurse = make_person(clinic_app, "nurse@riverside.example")
    admin = make_person(clinic_app, "admin@riverside.example", "admin")
    sids = worked_on(clinic, nurse.id, 240)
    rotating = make_handoff_app(DATA_KEYS=BOTH).extensions["screener.store"]
    withdrawn: set[str] = set()
    reset: set[str] = set()
    hit: dict[str, int] = {}

    def meanwhile(table: str, ids: list) -> None:
        if table == "staff_accounts":
            clinic.accounts.reset(admin.email)
            reset.add(admin.id)
            hit[table] = 1
            return
        live = [sid for sid in owners(clinic, table, ids) if sid not in withdrawn]
        for sid in live[:4]:
            assert clinic.submissions.withdraw(sid)
            withdrawn.add(sid)
            hit[table] = hit.get(table, 0) + 1

    report = rotating.rotate_keys(batch=24, on_batch=meanwhile)

    assert set(hit) == {"submissions", "submission_versions", "submission_events",
                        "staff_accounts"}
    assert report.unreadable == {} and report.busy == {}
    assert len(withdrawn) >= 100
    live = len(sids) - len(withdrawn)
    # Reference codes stay until expiry; the live rows' four erasable fields, version and
    # note; the nurse's authenticator secret.
    assert assert_erased_and_rotated(rotating, withdrawn, reset) == len(sids) + 6 * live + 1
    with_new_only = make_handoff_app(DATA_KEYS=NEW).extensions["screener.store"]
    for sid in set(sids) - withdrawn:
        opened = with_new_only.submissions.open(sid)
        assert opened.unreadable is None and opened.contact.name == "Ana Lopez"
        assert [v.answers["pain_score"] for v in with_new_only.casework.versions(sid)] == [6, 7]


def test_rotation_and_withdrawals_at_once_leave_no_withdrawn_data(make_handoff_app):
    """A rotation and four patients' threads withdrawing 120 of 240, started together."""
    clinic_app = make_handoff_app()
    clinic = clinic_app.extensions["screener.store"]
    nurse = make_person(clinic_app, "nurse@riverside.example")
    sids = worked_on(clinic, nurse.id, 240)
    rotating = make_handoff_app(DATA_KEYS=BOTH).extensions["screener.store"]
    leaving = [sids[i::8] for i in range(0, 8, 2)]  # every other one, in four threads
    start = threading.Barrier(5)
    errors: list[BaseException] = []
    reports = []

    def run(work) -> None:
        try:
            start.wait()
            work()
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            errors.append(exc)

    def withdraw(chunk: list[str]) -> None:
        for sid in chunk:
            assert clinic.submissions.withdraw(sid)

    threads = [threading.Thread(target=run, args=(lambda: reports.append(
        rotating.rotate_keys(batch=10)),))]
    threads += [threading.Thread(target=run, args=(lambda c=chunk: withdraw(c),))
                for chunk in leaving]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    withdrawn = {sid for chunk in leaving for sid in chunk}
    assert len(withdrawn) == 120
    assert reports[0].unreadable == {}
    assert assert_erased_and_rotated(rotating, withdrawn, set()) >= 120 * 5


def test_a_server_still_sealing_with_the_old_key_keeps_the_old_key_needed(make_handoff_app):
    """A server not yet restarted with the new key first seals a submission after the
    rotation passed its table: reported, and the old key's id is not forgotten."""
    not_restarted_app = make_handoff_app()
    not_restarted = not_restarted_app.extensions["screener.store"]
    nurse = make_person(not_restarted_app, "nurse@riverside.example")
    worked_on(not_restarted, nurse.id, 1)
    rotating = make_handoff_app(DATA_KEYS=BOTH).extensions["screener.store"]
    late: list[str] = []

    def meanwhile(table: str, ids: list) -> None:
        if table == "submission_events":
            late.append(sent(not_restarted, 2))

    report = rotating.rotate_keys(on_batch=meanwhile)
    assert report.left_old == {"submissions": late} and not report.complete
    assert key_id(OLD) in needed(rotating.engine)
    with pytest.raises(WrongDataKeys):
        make_handoff_app(DATA_KEYS=NEW)
    assert rotating.rotate_keys().complete  # again, once every server has the new key
    assert make_handoff_app(DATA_KEYS=NEW).extensions["screener.store"].submissions.open(
        late[0]).contact.name == "Ana Lopez"


# A wrong data key at start-up


def test_a_wrong_data_key_stops_start_up_naming_the_missing_key(make_handoff_app,
                                                                database_url, monkeypatch):
    first = make_handoff_app()
    sid = sent(first.extensions["screener.store"], 1)
    with pytest.raises(WrongDataKeys) as refused:
        make_handoff_app(DATA_KEYS=NEW)
    message = str(refused.value)
    assert key_id(OLD) in message and key_id(NEW) in message
    assert OLD not in message and NEW not in message
    assert "SCREENER_DATA_KEYS" in message
    # The commands that use the keys refuse the same way.
    monkeypatch.setenv("SCREENER_DATABASE_URL", database_url)
    monkeypatch.setenv("SCREENER_DATA_KEYS", NEW)
    listed = CliRunner().invoke(main, ["staff", "list"])
    assert listed.exit_code == 1 and key_id(OLD) in listed.output
    # The new key first with the old one after it starts, and opens what is stored.
    both = make_handoff_app(DATA_KEYS=BOTH).extensions["screener.store"]
    assert both.submissions.open(sid).contact.name == "Ana Lopez"
    assert set(needed(both.engine)) == {key_id(OLD), key_id(NEW)}


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_wrong_key_found_after_an_outage_at_start_up_seals_nothing(make_handoff_app,
                                                                     postgres):
    """Down at start-up, the keys are checked before the first send: refused, not sealed
    under the wrong key; the patient keeps the form."""
    store = make_handoff_app().extensions["screener.store"]
    sent(store, 1)
    postgres.pause()
    try:
        app = make_handoff_app(DATA_KEYS=NEW)
    finally:
        postgres.resume()
    patient = Patient(app.test_client()).finish()
    outage_page(patient.send_and_see())
    assert store.submissions.count() == 1


def test_a_database_from_before_key_ids_is_checked_by_opening_its_newest_row(
        make_handoff_app):
    store = make_handoff_app().extensions["screener.store"]
    sent(store, 1)
    with store.engine.begin() as connection:
        connection.execute(KeyCheck.__table__.delete())
    with pytest.raises(WrongDataKeys, match="newest submission does not decrypt"):
        make_handoff_app(DATA_KEYS=NEW)
    make_handoff_app(DATA_KEYS=BOTH)  # records both: either may have sealed something
    assert set(needed(store.engine)) == {key_id(OLD), key_id(NEW)}


def test_after_a_full_rotation_the_old_key_can_go(make_handoff_app, database_url,
                                                  monkeypatch):
    sid = sent(make_handoff_app().extensions["screener.store"], 1)
    with pytest.raises(WrongDataKeys):
        make_handoff_app(DATA_KEYS=NEW)
    monkeypatch.setenv("SCREENER_DATABASE_URL", database_url)
    monkeypatch.setenv("SCREENER_DATA_KEYS", BOTH)
    result = CliRunner().invoke(main, ["keys", "rotate"])
    assert result.exit_code == 0, result.output
    assert "re-encrypted 1 submission" in result.output
    assert "can now be removed" in result.output
    only_new = make_handoff_app(DATA_KEYS=NEW).extensions["screener.store"]
    assert only_new.submissions.open(sid).contact.name == "Ana Lopez"
    assert set(needed(only_new.engine)) == {key_id(NEW)}


def test_keys_ids_names_each_key_by_id_never_the_key(make_handoff_app, database_url,
                                                     monkeypatch):
    make_handoff_app()
    monkeypatch.setenv("SCREENER_DATABASE_URL", database_url)
    monkeypatch.setenv("SCREENER_DATA_KEYS", NEW)
    result = CliRunner().invoke(main, ["keys", "ids"])
    assert result.exit_code == 0
    assert f"MISSING    {key_id(OLD)}" in result.output
    assert f"configured {key_id(NEW)} (encrypts)" in result.output
    assert OLD not in result.output and NEW not in result.output


# A row sealed under a key nobody has


@pytest.fixture
def lost_key_store(database_url):
    """A store writing under a key the clinic does not have, as a server misconfigured
    before start-up checked keys would have."""
    lost = Store(database_url, new_key(), HANDOFF_CONFIG["SECRET_KEY"])
    yield lost
    lost.dispose()


def test_a_row_under_a_lost_key_shows_as_unreadable_and_takes_no_page_down(
        staff_app, store, nurse, nurse_client, lost_key_store):
    readable = sent(store, 1, name="Bea Readable")
    lost = sent(lost_key_store, 2)
    lost_key_store.casework.add_note(readable, nurse.id, "under the lost key")

    worklist = nurse_client.get("/staff/")
    assert worklist.status_code == 200
    page = worklist.get_data(as_text=True)
    assert "cannot be read: key missing" in page and "Bea Readable" in page

    record = nurse_client.get(f"/staff/submissions/{lost}")
    assert record.status_code == 200
    assert "This submission cannot be read: key missing" in record.get_data(as_text=True)
    assert "Withdraw and erase" in record.get_data(as_text=True)
    for path in ("call", "summary.txt", "fhir.json"):
        followed = nurse_client.get(f"/staff/submissions/{lost}/{path}",
                                    follow_redirects=True)
        assert followed.status_code == 200 and followed.request.path.endswith(lost)
        assert "cannot be read: key missing" in followed.get_data(as_text=True)

    other = nurse_client.get(f"/staff/submissions/{readable}")
    assert other.status_code == 200
    text = other.get_data(as_text=True)
    assert "note by nurse@riverside.example: cannot be read: key missing" in text
    assert "Bea Readable" in text
    # Withdrawing it still works: the unreadable data is erased.
    assert nurse_client.post(f"/staff/submissions/{lost}/withdraw",
                             data={"confirm": "y"}).status_code == 302
    assert store.submissions.open(lost).status is Status.WITHDRAWN


def test_a_second_factor_under_a_lost_key_refuses_the_code_and_takes_a_recovery_code(
        staff_app, lost_key_store):
    person = make_person_in(lost_key_store, "lost@riverside.example")
    client = staff_app.test_client()
    assert client.post("/staff/sign-in", data={"email": person.email,
                                               "password": person.password}).status_code == 302
    refused = client.post("/staff/sign-in/code", data={"code": person.code()})
    assert refused.status_code != 500
    assert not refused.headers.get("Location", "").endswith("/staff/")
    let_in = client.post("/staff/sign-in/code", data={"code": person.recovery[0]})
    assert let_in.status_code == 302 and let_in.headers["Location"].endswith("/staff/")


def test_rotate_reports_the_rows_it_cannot_open_and_rotates_the_rest(
        store, lost_key_store, database_url, monkeypatch):
    readable = [sent(store, n) for n in range(3)]
    lost = sent(lost_key_store, 9)
    with store.engine.connect() as connection:
        before = connection.scalar(select(Submission.contact).where(Submission.id == lost))
    monkeypatch.setenv("SCREENER_DATABASE_URL", database_url)
    monkeypatch.setenv("SCREENER_DATA_KEYS", BOTH)
    result = CliRunner().invoke(main, ["keys", "rotate"])
    assert result.exit_code == 1
    assert "re-encrypted 3 submission(s)" in result.output
    assert f"cannot be read: key missing: 1 row(s) of submissions, left as they are: {lost}" \
        in result.output
    assert "Keep the old keys" in result.output
    only_new = Cipher(NEW)
    with store.engine.connect() as connection:
        rows = {row.id: row for row in connection.execute(select(Submission))}
    assert rows[lost].contact == before
    for sid in readable:
        assert only_new.open(sid, "contact", rows[sid].contact)["name"] == "Ana Lopez"

