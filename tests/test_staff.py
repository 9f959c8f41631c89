"""The staff area, as a nurse and an admin use it: sign-in with a second factor, the
worklist, a submission, the call, exports, the audit log. Both database backends."""

from __future__ import annotations

import html
import json
import re
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
import pytest
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from screener.engine.disclaimer import record_disclaimer
from screener.staff import factors, passwords
from screener.store.models import Status
from screener.store.reference import grouped

from .conftest import COMPLETE_ANSWERS
from .staffkit import PASSWORD, make_person, shown, sign_in


def page(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def audit_actions(store) -> list[tuple[str, str | None, str]]:
    lines, _ = store.audit.page(limit=1000)
    return [(line.action, line.submission_id, line.detail) for line in reversed(lines)]


# Passwords and the second factor


@pytest.mark.parametrize("password, refused", [
    ("short one", True),
    ("password1234", True),            # on the common list
    ("iloveyou12345", True),           # common, with digits after
    ("aaaaaaaaaaaaaaa", True),         # repeated
    ("abcdefghijklmn", True),          # sequential
    ("nurse@riverside", True),         # about the account
    ("x" * 129, True),
    ("correct horse battery staple", False),
    ("Tuesday-lemon-47-kettle", False),
])
def test_password_rules_follow_nist(password, refused):
    assert (passwords.problem(password, "nurse@riverside.example") is not None) is refused


def test_passwords_are_stored_as_argon2id():
    stored = passwords.hash_password(PASSWORD)
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert passwords.verify_password(stored, PASSWORD)
    assert not passwords.verify_password(stored, PASSWORD + "!")
    assert not passwords.verify_password(None, PASSWORD)


def test_a_totp_code_is_good_once_and_for_one_step_of_drift():
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    now = time.time()
    step = totp.timecode(now)
    assert factors.totp_step(secret, totp.generate_otp(step), 0, now) == step
    assert factors.totp_step(secret, totp.generate_otp(step), step, now) is None
    assert factors.totp_step(secret, totp.generate_otp(step + 1), step, now) == step + 1
    assert factors.totp_step(secret, totp.generate_otp(step + 3), 0, now) is None
    assert factors.totp_step(secret, "12345", 0, now) is None


def test_the_enrolment_qr_code_is_drawn_by_the_app():
    svg = factors.qr_svg(factors.provisioning_uri(pyotp.random_base32(), "a@b.example", "X"))
    assert svg.startswith("<svg") and "http" not in svg.split(">", 1)[1][:200]


# Setup and sign-in


def test_setup_link_sets_a_password_and_an_authenticator(staff_app, store):
    staff, token = store.accounts.add("new@riverside.example", "nurse")
    client = staff_app.test_client()
    html = page(client, f"/staff/setup/{token}")
    secret = re.search(r'id="secret"><code>([A-Z2-7 ]+)</code>', html).group(1).replace(" ", "")
    assert "<svg" in html
    weak = shown(client, client.post(f"/staff/setup/{token}", data={
        "password": "password1234", "confirm": "password1234",
        "code": pyotp.TOTP(secret).now()}))
    assert weak.status_code == 422 and "common passwords" in weak.get_data(as_text=True)
    done = client.post(f"/staff/setup/{token}", data={
        "password": PASSWORD, "confirm": PASSWORD, "code": pyotp.TOTP(secret).now()})
    codes = done.get_data(as_text=True)
    assert done.status_code == 200 and "recovery codes" in codes
    assert len(re.findall(r"<li><code>[0-9A-Z]{5}-[0-9A-Z]{5}</code></li>", codes)) == 10
    assert store.accounts.get(staff.id).state == "active"
    assert client.get(f"/staff/setup/{token}").status_code == 410  # used up


def test_a_setup_link_expires_after_a_day(staff_app, store):
    _, token = store.accounts.add("late@riverside.example", "nurse",
                                  moment=datetime.now(UTC) - timedelta(hours=25))
    assert staff_app.test_client().get(f"/staff/setup/{token}").status_code == 410


def test_sign_in_needs_the_password_and_then_a_code(staff_app, nurse, store):
    client = staff_app.test_client()
    client.post("/staff/sign-in", data={"email": nurse.email, "password": PASSWORD})
    assert client.get("/staff/").status_code == 302  # the password alone is not enough
    wrong = shown(client, client.post("/staff/sign-in/code", data={"code": "000000"}))
    assert wrong.status_code == 401
    right = client.post("/staff/sign-in/code", data={"code": nurse.code()})
    assert right.status_code == 302 and client.get("/staff/").status_code == 200
    assert ("sign-in", None, "totp") in audit_actions(store)
    assert ("failed-sign-in", None, "code") in audit_actions(store)


def test_a_recovery_code_signs_in_once(staff_app, nurse):
    code = nurse.recovery[0]
    for expected in (302, 401):
        client = staff_app.test_client()
        client.post("/staff/sign-in", data={"email": nurse.email, "password": PASSWORD})
        answer = shown(client, client.post("/staff/sign-in/code", data={"code": code}))
        assert answer.status_code == expected


def test_a_wrong_user_and_a_wrong_password_get_the_same_answer(staff_app, nurse):
    client = staff_app.test_client()
    unknown = shown(client, client.post("/staff/sign-in", data={"email": "nobody@x.example",
                                                                "password": PASSWORD}))
    wrong = shown(client, client.post("/staff/sign-in", data={"email": nurse.email,
                                                              "password": PASSWORD + "x"}))
    assert unknown.status_code == wrong.status_code == 401

    def message(response):
        return re.search(r'role="alert".*?<p>(.*?)</p>', response.get_data(as_text=True),
                         re.S).group(1)

    assert message(unknown) == message(wrong)


def staff_session(client) -> dict:
    with client.session_transaction("/staff/sign-in") as session:
        return dict(session)


def test_a_refused_sign_in_comes_back_by_get_with_the_email_never_the_password(
        staff_app, nurse):
    client = staff_app.test_client()
    secret = PASSWORD + "x"
    refused = client.post("/staff/sign-in", query_string={"next": "/staff/admin/audit"},
                          data={"email": nurse.email, "password": secret})
    assert refused.status_code == 303
    assert refused.location == "/staff/sign-in?next=/staff/admin/audit"
    assert secret not in json.dumps(staff_session(client))
    shown = client.get(refused.location)
    html = shown.get_data(as_text=True)
    assert shown.status_code == 401 and "email, password or code is not right" in html
    assert f'value="{nurse.email}"' in html and secret not in html
    again = client.get(refused.location)  # the message once: a reload is the plain form
    assert again.status_code == 200 and 'role="alert"' not in again.get_data(as_text=True)


@pytest.mark.parametrize("step", ["code", "setup"])
def test_a_refused_code_or_setup_comes_back_by_get_keeping_no_code(staff_app, store, nurse,
                                                                  step):
    client = staff_app.test_client()
    if step == "code":
        client.post("/staff/sign-in", data={"email": nurse.email, "password": PASSWORD})
        url, sent = "/staff/sign-in/code", {"code": "000123"}
        status = 401
    else:
        _, token = store.accounts.add("new@riverside.example", "nurse")
        url, sent = f"/staff/setup/{token}", {"password": "a long new pass phrase",
                                               "confirm": "a different one", "code": "000123"}
        status = 422
        client.get(url)
    refused = client.post(url, data=sent)
    assert refused.status_code == 303 and refused.location == url
    kept = json.dumps(staff_session(client))
    assert "000123" not in kept and "pass phrase" not in kept
    shown = client.get(url)
    assert shown.status_code == status and 'role="alert"' in shown.get_data(as_text=True)
    assert client.get(url).status_code == 200


def test_sign_in_posts_are_limited_per_client(make_handoff_app):
    app = make_handoff_app(STAFF_SIGN_IN_RATE_LIMIT="3 per minute")
    client = app.test_client()
    codes = [client.post("/staff/sign-in", data={"email": f"u{i}@x.example",
                                                 "password": "p"}).status_code
             for i in range(4)]
    assert codes == [303, 303, 303, 429]  # refused (Post/Redirect/Get), then the limit


def test_the_staff_session_is_its_own_cookie(nurse_client):
    cookies = {c.key: c for c in nurse_client._cookies.values()}
    staff_cookie = cookies["screener_staff"]
    assert staff_cookie.path == "/staff" and "screener" not in cookies
    assert nurse_client.get("/").status_code == 200  # patient pages do not see it
    assert nurse_client.get("/staff/").status_code == 200


def test_staff_sessions_end_after_15_idle_minutes(staff_app, nurse, monkeypatch):
    client = staff_app.test_client()
    sign_in(client, nurse)
    later = time.time() + 16 * 60
    monkeypatch.setattr(time, "time", lambda: later)
    response = client.get("/staff/")
    assert response.status_code == 302 and "/staff/sign-in" in response.headers["Location"]
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "You were signed out after a time without activity" in page


def test_staff_sessions_end_after_8_hours_even_when_busy(staff_app, nurse, monkeypatch):
    """A request every 10 minutes (under the 15-minute idle limit) keeps the session
    through hours 1 to 7; the first request past 8 hours is signed out all the same."""
    client = staff_app.test_client()
    start = time.time()
    sign_in(client, nurse)
    busy = range(10, 8 * 60, 10)  # minutes after signing in: 10, 20, ... 470

    def status_at(minutes: int) -> int:
        monkeypatch.setattr(time, "time", lambda: start + minutes * 60)
        return client.get("/staff/").status_code

    assert {minutes: status_at(minutes) for minutes in busy} == {m: 200 for m in busy}
    assert status_at(8 * 60 + 1) == 302


@pytest.mark.parametrize("change", ["reset", "disable"])
def test_reset_or_disable_signs_out_at_once(nurse_client, nurse, store, change):
    getattr(store.accounts, change)(nurse.email)
    assert nurse_client.get("/staff/").status_code == 302


def test_sign_out_ends_the_session(nurse_client, store, nurse):
    assert nurse_client.post("/staff/sign-out").status_code == 302
    assert nurse_client.get("/staff/").status_code == 302
    assert ("sign-out", None, "") in audit_actions(store)


def test_every_staff_form_needs_its_csrf_token(make_handoff_app):
    app = make_handoff_app(WTF_CSRF_ENABLED=True)
    person = make_person(app, "csrf@riverside.example")
    client = app.test_client()
    refused = client.post("/staff/sign-in", data={"email": person.email,
                                                  "password": PASSWORD})
    assert refused.status_code == 400 and client.get("/staff/sign-in/code").status_code == 302


def test_staff_pages_are_never_kept_or_framed(nurse_client):
    response = nurse_client.get("/staff/")
    assert response.headers["Cache-Control"] == "no-store"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert "noindex" in response.headers["X-Robots-Tag"]


def test_the_staff_area_is_not_there_without_the_handoff(client):
    assert client.get("/staff/sign-in").status_code == 404


# The worklist


def test_worklist_puts_urgent_first_then_oldest(nurse_client, sent):
    sent(1, age_days=1, name="Newer Routine")
    sent(2, age_days=5, name="Older Routine")
    sent(3, urgent=True, age_days=0, name="Urgent Today")
    html = page(nurse_client, "/staff/")
    order = [html.index(n) for n in ("Urgent Today", "Older Routine", "Newer Routine")]
    assert order == sorted(order) and "Urgent symptoms" in html


def test_worklist_filters_by_status_and_counts_each(nurse_client, sent, store, nurse):
    first, _ = sent(1, name="Booked Person")
    sent(2, name="New Person")
    store.casework.set_status(first, nurse.id, Status.BOOKED)
    booked = page(nurse_client, "/staff/?status=booked")
    assert "Booked Person" in booked and "New Person" not in booked
    assert "Booked (1)" in booked and "New (1)" in booked and "All (2)" in booked
    todo = page(nurse_client, "/staff/")
    assert "New Person" in todo and "Booked Person" not in todo


def test_worklist_pages_through_many(nurse_client, sent):
    for n in range(55):
        sent(n, name=f"Person {n:02d}")
    first, second = page(nurse_client, "/staff/"), page(nurse_client, "/staff/?page=2")
    assert "page 1 of 2" in first and "Next page" in first
    assert len(re.findall(r"Person \d\d", first)) == 50
    assert len(re.findall(r"Person \d\d", second)) == 5


def test_a_reference_code_finds_its_submission(nurse_client, sent):
    sid, code = sent(1)
    typed = grouped(code).lower().replace("-", " ")
    response = nurse_client.get(f"/staff/?code={typed}")
    assert response.status_code == 302 and response.headers["Location"].endswith(sid)
    missing = page(nurse_client, "/staff/?code=AAAA-BBBB-CCCC")
    assert "No submission has that reference code" in missing


def test_expired_and_withdrawn_are_never_listed_as_to_do(nurse_client, store, sent):
    old, _ = sent(1, age_days=31, name="Expired Person")
    gone, _ = sent(2, name="Withdrawn Person")
    store.submissions.withdraw(gone)
    html = page(nurse_client, "/staff/")
    assert "Expired Person" not in html and "Withdrawn Person" not in html
    assert nurse_client.get(f"/staff/submissions/{old}").status_code == 404


# A submission and the call


def test_submission_shows_answers_by_step_guidance_why_and_versions(nurse_client, sent):
    sid, code = sent(1)
    html = page(nurse_client, f"/staff/submissions/{sid}")
    assert grouped(code) in html and "Ana Lopez" in html and "555 010 1234" in html
    assert "Why this appeared:" in html and "2026.12+old" in html
    assert "Today's rules give different guidance" in html and "retired-topic" in html
    assert "the patient's own" in html and "Sent by the patient" not in html
    assert html.rstrip().count("disclaimer") >= 1


def test_the_call_saves_a_new_version_and_keeps_the_patients(nurse_client, sent, store,
                                                             nurse):
    sid, _ = sent(1)
    form = {k: v for k, v in COMPLETE_ANSWERS.items()}
    form["pain_score"] = "8"
    form["outcome-status"] = "booked"
    form["call-note"] = "Booked for Tuesday at 10."
    assert page(nurse_client, f"/staff/submissions/{sid}/call").count('checked') >= 10
    saved = nurse_client.post(f"/staff/submissions/{sid}/call", data=form)
    assert saved.status_code == 302
    versions = store.casework.versions(sid)
    assert [v.number for v in versions] == [1, 2]
    assert versions[0].answers["pain_score"] == 6 and versions[1].answers["pain_score"] == 8
    assert versions[1].by == nurse.email
    html = page(nurse_client, f"/staff/submissions/{sid}")
    assert "version 2" in html and "Booked for Tuesday at 10." in html
    assert store.submissions.open(sid).status is Status.BOOKED
    actions = [a for a, s, _ in audit_actions(store) if s == sid]
    assert {"edit", "note", "status-change", "view"} <= set(actions)


def test_a_call_that_changes_nothing_saves_no_version(nurse_client, sent, store):
    sid, _ = sent(1)
    form = dict(COMPLETE_ANSWERS) | {"outcome-status": "contacted"}
    nurse_client.post(f"/staff/submissions/{sid}/call", data=form)
    assert len(store.casework.versions(sid)) == 1
    assert store.submissions.open(sid).status is Status.CONTACTED


def test_a_call_with_a_missing_answer_says_which(nurse_client, sent):
    sid, _ = sent(1)
    form = {k: v for k, v in COMPLETE_ANSWERS.items() if k != "symptom_duration"}
    response = nurse_client.post(f"/staff/submissions/{sid}/call", data=form)
    assert response.status_code == 303 and response.location == f"/staff/submissions/{sid}/call"
    shown = nurse_client.get(response.location)
    assert shown.status_code == 422
    assert 'href="#symptom_duration-0"' in shown.get_data(as_text=True)
    again = nurse_client.get(response.location)  # once: a reload is the plain page
    assert again.status_code == 200 and "error-summary" not in again.get_data(as_text=True)


def test_a_refused_call_comes_back_with_the_corrections_status_and_note(nurse_client, sent,
                                                                       store):
    sid, _ = sent(1)
    form = {k: v for k, v in COMPLETE_ANSWERS.items() if k != "symptom_duration"}
    form |= {"pain_score": "9", "outcome-status": "booked", "call-note": "Rings back at 4."}
    assert nurse_client.post(f"/staff/submissions/{sid}/call", data=form).status_code == 303
    shown = nurse_client.get(f"/staff/submissions/{sid}/call")
    assert shown.status_code == 422
    html = shown.get_data(as_text=True)
    assert re.search(r'name="pain_score"[^>]*value="9"', html)
    assert re.search(r'<option selected value="booked">|value="booked" selected', html)
    assert ">Rings back at 4.</textarea>" in html
    assert len(store.casework.versions(sid)) == 1  # nothing was saved


@pytest.mark.parametrize("letter", ["a", "é", "語"])
def test_a_refused_call_keeps_a_long_note_within_the_cookie_and_says_when_cut(
        nurse_client, sent, letter):
    sid, _ = sent(1)
    note = letter * 2000
    form = {k: v for k, v in COMPLETE_ANSWERS.items() if k != "symptom_duration"}
    response = nurse_client.post(f"/staff/submissions/{sid}/call",
                                 data=form | {"call-note": note})
    assert response.status_code == 303
    assert len(response.headers["Set-Cookie"]) < 4096
    shown = nurse_client.get(f"/staff/submissions/{sid}/call")
    assert shown.status_code == 422
    html = shown.get_data(as_text=True)
    kept = re.search(r'name="call-note"[^>]*>([^<]*)</textarea>', html).group(1)
    assert kept and note.startswith(kept)
    assert (kept == note) == ("too long to keep in full" not in html)


def test_exports_are_the_nurse_record_with_the_call_who_when_and_contact(
        nurse_client, sent, nurse):
    """The submission page's Copy, summary.txt and the FHIR export say the same: the
    outcome, the note, the version, who and when, the contact the patient gave."""
    sid, code = sent(1)
    form = dict(COMPLETE_ANSWERS) | {"pain_score": "8", "outcome-status": "booked",
                                     "call-note": "consult booked 12 Dec with Dr Ruiz"}
    nurse_client.post(f"/staff/submissions/{sid}/call", data=form)
    txt = nurse_client.get(f"/staff/submissions/{sid}/summary.txt").get_data(as_text=True)
    first = txt.splitlines()[0]
    assert re.match(rf"Spine screening call, \d{{4}}-\d\d-\d\d \d\d:\d\d UTC, taken by "
                    rf"{re.escape(nurse.email)}$", first)
    for expected in (f"Reference: {grouped(code)} (rules ", "answers v2",
                     "Patient: Ana Lopez, phone 555 010 1234, best time morning (9 to 12)",
                     "Average pain, past week: 8/10", "Outcome: Booked",
                     "Note: consult booked 12 Dec with Dr Ruiz"):
        assert expected in txt, expected
    assert txt.rstrip().endswith(record_disclaimer())
    shown = page(nurse_client, f"/staff/submissions/{sid}")
    copy = shown[shown.index(">", shown.index('<textarea id="record-text"')) + 1:]
    assert html.unescape(copy[:copy.index("</textarea>")]) == txt
    assert 'data-copy="record-text"' in shown

    fhir = json.loads(nurse_client.get(f"/staff/submissions/{sid}/fhir.json").data)
    QuestionnaireResponse.model_validate(fhir)
    assert fhir["identifier"]["value"] == grouped(code)
    contained = {r["resourceType"]: r for r in fhir["contained"]}
    assert fhir["subject"] == {"reference": "#patient"}
    assert contained["Patient"]["name"] == [{"text": "Ana Lopez"}]
    assert contained["Patient"]["telecom"] == [{"system": "phone", "value": "555 010 1234"}]
    assert fhir["author"]["display"] == nurse.email and fhir["authored"].endswith("+00:00")
    call = contained["Communication"]
    assert call["about"] == [{"reference": "#"}] and call["payload"][0] == {
        "contentString": "Booked"}
    assert call["note"][0]["text"] == "consult booked 12 Dec with Dr Ruiz"
    assert call["payload"][-1]["contentString"] == txt


def _call_record(html_page: str) -> str:
    box = html_page[html_page.index(">", html_page.index('<textarea id="call-record"')) + 1:]
    return html.unescape(box[:box.index("</textarea>")])


def test_the_call_page_holds_the_record_to_copy_with_the_outcome_and_note(
        nurse_client, sent, nurse):
    """The record as it will read once saved, taken by this nurse; its parts for the
    page's script (static/record.js) to fill as the outcome and note are typed, and
    without a script, the outcome and note the form post carries."""
    sid, code = sent(1)
    call_page = page(nurse_client, f"/staff/submissions/{sid}/call")
    record = _call_record(call_page)
    assert record.startswith("Spine screening call, ") and f"taken by {nurse.email}\n" in record
    assert f"Reference: {grouped(code)}" in record and "Outcome: Contacted\n" in record
    assert "Note:" not in record and record.rstrip().endswith(record_disclaimer())
    for attribute in ('data-live-record', 'data-outcome="Outcome: {outcome}"',
                      'data-note="Note: {note}"', 'data-no-outcome="new"',
                      'data-record="outcome"', 'data-record="note"', "/static/record.js"):
        assert attribute in call_page, attribute
    form = {k: v for k, v in COMPLETE_ANSWERS.items() if k != "symptom_duration"} | {
        "outcome-status": "booked", "call-note": "consult booked 12 Dec with Dr Ruiz"}
    posted = nurse_client.post(f"/staff/submissions/{sid}/call", data=form)
    refused = shown(nurse_client, posted)
    assert (posted.status_code, refused.status_code) == (303, 422)
    record = _call_record(refused.get_data(as_text=True))
    assert "Outcome: Booked\nNote: consult booked 12 Dec with Dr Ruiz\n" in record


def test_withdrawal_on_a_call_erases_everything_and_is_audited(nurse_client, sent, store,
                                                              nurse):
    sid, _ = sent(1)
    store.casework.add_note(sid, nurse.id, "Private note")
    store.casework.save_version(sid, nurse.id, dict(COMPLETE_ANSWERS) | {"pain_score": 2})
    assert nurse_client.post(f"/staff/submissions/{sid}/withdraw").status_code == 302
    assert store.submissions.open(sid).status is Status.NEW  # not without the tick
    nurse_client.post(f"/staff/submissions/{sid}/withdraw", data={"confirm": "y"})
    opened = store.submissions.open(sid)
    assert opened.status is Status.WITHDRAWN and opened.contact is None
    assert store.casework.versions(sid) == []
    assert all(e.kind != "note" for e in store.casework.history(sid))
    assert ("withdraw", sid, "by staff") in audit_actions(store)


def test_status_change_is_recorded_with_who_and_when(nurse_client, sent, store, nurse):
    sid, _ = sent(1)
    nurse_client.post(f"/staff/submissions/{sid}/status", data={"status": "not_now"})
    events = store.casework.history(sid)
    assert [(e.kind, e.by, e.text) for e in events][-1] == ("status", nurse.email, "not_now")


# The audit log


def test_the_audit_log_never_holds_health_data_or_contact_details(nurse_client, sent, store):
    sid, code = sent(1)
    nurse_client.get(f"/staff/submissions/{sid}")
    nurse_client.post(f"/staff/submissions/{sid}/notes", data={"note": "Has sciatica"})
    nurse_client.get(f"/staff/submissions/{sid}/summary.txt")
    with store.engine.connect() as connection:
        dump = " ".join(str(row) for row in connection.execute(text("SELECT * FROM audit_log")))
    for secret in ("Ana Lopez", "555 010 1234", "sciatica", "herniated", "smoking", code):
        assert secret not in dump


def test_the_audit_log_is_append_only_in_the_database(store, sent):
    store.audit.record("view", detail="x")
    for statement in ("UPDATE audit_log SET detail = 'changed'", "DELETE FROM audit_log"):
        with store.engine.connect() as connection, pytest.raises(DBAPIError):
            connection.execute(text(statement))
            connection.commit()


def test_admins_read_and_export_the_audit_log(admin_client, nurse_client, sent):
    sid, _ = sent(1)
    nurse_client.get(f"/staff/submissions/{sid}")
    html = page(admin_client, "/staff/admin/audit?action=view")
    assert sid in html and "nurse@riverside.example" in html
    csv_text = admin_client.get("/staff/admin/audit.csv").get_data(as_text=True)
    assert csv_text.splitlines()[0] == "id,at,staff_id,action,submission_id,detail"
    lines = admin_client.get("/staff/admin/audit.jsonl").get_data(as_text=True).splitlines()
    assert {json.loads(line)["action"] for line in lines} >= {"sign-in", "view"}


def test_purge_deletes_case_history_with_the_submission(store, sent, nurse):
    sid, _ = sent(1, age_days=40)
    store.casework.add_note(sid, nurse.id, "x", moment=datetime.now(UTC) - timedelta(days=39))
    assert store.submissions.purge() == 1
    with store.engine.connect() as connection:
        left = connection.execute(text("SELECT count(*) FROM submission_events")).scalar()
    assert left == 0


# Admin pages


def test_admins_add_reset_and_disable_accounts(admin_client, store):
    added = admin_client.post("/staff/admin/accounts",
                              data={"email": "Third@Riverside.example", "role": "nurse"})
    assert added.status_code == 302 and added.location == "/staff/admin/accounts"
    link = re.search(r'class="setup-link"><code>[^<]*/staff/setup/[\w-]+<',
                     page(admin_client, "/staff/admin/accounts"))
    assert link, "the setup link is shown on the page the post leads to"
    assert "/staff/setup/" not in page(admin_client, "/staff/admin/accounts"), "and only once"
    third = store.accounts.find("third@riverside.example")
    assert third.state == "setup pending"
    admin_client.post(f"/staff/admin/accounts/{third.id}/disable")
    assert store.accounts.get(third.id).state == "disabled"
    lines = [d for a, _, d in audit_actions(store) if a == "account-change"]
    assert "add nurse third@riverside.example" in lines
    assert "disable third@riverside.example" in lines


def test_a_refused_add_keeps_the_email_typed_and_posts_nothing_again(admin_client, store):
    admin_client.post("/staff/admin/accounts", data={"email": "fourth@riverside.example",
                                                     "role": "admin"})
    again = admin_client.post("/staff/admin/accounts",
                              data={"email": "fourth@riverside.example", "role": "admin"})
    assert again.status_code == 302, "Post/Redirect/Get: Back and reload never post again"
    shown = page(admin_client, "/staff/admin/accounts")
    assert "Not added:" in shown and 'value="fourth@riverside.example"' in shown
    assert '<option selected value="admin">' in shown or 'value="admin" selected' in shown
    assert "/staff/setup/" not in shown
    assert 'value="fourth@riverside.example"' not in page(admin_client, "/staff/admin/accounts")


@pytest.mark.parametrize("email", ["nul\x00@riverside.example", "tab\t@riverside.example",
                                   "zero\u200bwidth@riverside.example", "no-at-sign",
                                   "x" * 250 + "@r.example"])
def test_an_email_no_mail_system_takes_is_refused_never_a_server_error(admin_client, store,
                                                                       email):
    """A NUL once reached PostgreSQL (which refuses it in text) as a 'database down' page."""
    before = len(store.accounts.all())
    added = admin_client.post("/staff/admin/accounts", data={"email": email, "role": "nurse"})
    assert added.status_code == 302
    shown = page(admin_client, "/staff/admin/accounts")
    assert "Not added:" in shown or "Enter an email and choose a role." in shown
    assert store.accounts.find(email) is None and len(store.accounts.all()) == before


@pytest.mark.parametrize("email", ["nurse\x00@riverside.example", "\x00"])
def test_signing_in_with_a_nul_in_the_email_is_refused_calmly(staff_app, nurse, email):
    client = staff_app.test_client()
    refused = shown(client, client.post("/staff/sign-in",
                                        data={"email": email, "password": PASSWORD}))
    assert refused.status_code == 401
    assert "email, password or code is not right" in refused.get_data(as_text=True)


def test_a_reset_shows_its_new_setup_link_once_after_a_redirect(admin_client, store):
    admin_client.post("/staff/admin/accounts", data={"email": "fifth@riverside.example",
                                                     "role": "nurse"})
    page(admin_client, "/staff/admin/accounts")
    fifth = store.accounts.find("fifth@riverside.example")
    reset = admin_client.post(f"/staff/admin/accounts/{fifth.id}/reset")
    assert reset.status_code == 302 and reset.location == "/staff/admin/accounts"
    shown = page(admin_client, "/staff/admin/accounts")
    assert "fifth@riverside.example</strong>" in shown and "/staff/setup/" in shown
    assert "/staff/setup/" not in page(admin_client, "/staff/admin/accounts")


def test_admins_see_usage_counts_in_the_staff_area(admin_client):
    assert "Usage counts" in page(admin_client, "/staff/admin/usage")
    assert admin_client.get("/staff/admin/usage.csv").status_code == 200


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_database_outage_gets_a_clear_page_not_a_500(nurse_client, store, tmp_path):
    """The database file is moved away under a signed-in nurse: a real failure."""
    store.engine.dispose()
    database = Path(store.engine.url.database)
    database.rename(tmp_path / "moved-away.db")
    for suffix in ("-wal", "-shm"):
        Path(f"{database}{suffix}").unlink(missing_ok=True)
    response = nurse_client.get("/staff/")
    assert response.status_code == 503
    assert "The database cannot be reached" in response.get_data(as_text=True)


def test_staff_error_pages_keep_the_staff_header(nurse_client):
    response = nurse_client.get("/staff/submissions/" + "x" * 22)
    assert response.status_code == 404 and "Go to the worklist" in response.get_data(
        as_text=True)
