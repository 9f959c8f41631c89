"""The patient's side of the clinic handoff, over HTTP against SQLite and PostgreSQL:
offered only when switched on and never on the emergency result, sent once, withdrawn at
once or later, and an outage that never ends in a 500."""

from __future__ import annotations

import re
import time
from typing import Any

import psycopg
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.app import create_app
from screener.consent import FINGERPRINT, VERSION, fingerprint
from screener.store.models import Status

from .conftest import COMPLETE_ANSWERS, TEST_DATA_KEYS, WizardActions

CONTACT = {"name": "Rosalind Quimbleworth", "phone": "555 0147 2299", "best_time": "evening",
           "note": "After 5 please", "consent": "y"}
EMERGENCY = {"red_flags": ["bladder_bowel"]}
URGENT = dict(COMPLETE_ANSWERS, red_flags=["fever"])


def text(response) -> str:
    return response.get_data(as_text=True)


class Patient:
    """A patient who finishes the screener, then sends their answers to the clinic."""

    def __init__(self, client) -> None:
        self.client = client
        self.wizard = WizardActions(client)

    def finish(self, answers: dict[str, Any] | None = None) -> Patient:
        self.wizard.complete(answers or COMPLETE_ANSWERS)
        return self

    def form(self):
        return self.client.get("/send")

    def token(self) -> str:
        page = text(self.form())
        return re.search(r'name="send_token" type="hidden" value="([^"]+)"', page).group(1)

    def send(self, token: str | None = None, **fields: str):
        return self.client.post("/send", data=CONTACT | {"send_token": token or self.token()}
                                | fields)

    def send_and_see(self, token: str | None = None, **fields: str):
        """A send that does not go through redirects to the form's GET (Post/Redirect/Get):
        the page the patient then sees."""
        posted = self.send(token, **fields)
        assert posted.status_code == 303 and posted.location == "/send"
        return self.client.get("/send")

    def code(self) -> str:
        return re.search(r"data-reference>([^<]+)<", text(self.client.get("/sent"))).group(1)


@pytest.fixture
def patient(handoff_app) -> Patient:
    return Patient(handoff_app.test_client())


def test_off_by_default_nothing_offered_and_every_page_404(client, wizard):
    wizard.complete(COMPLETE_ANSWERS)
    assert "Send my answers" not in text(client.get("/result"))
    for path in ("/send", "/sent", "/withdraw", "/withdrawn"):
        assert client.get(path).status_code == 404
    assert client.post("/send", data=CONTACT).status_code == 404


@pytest.mark.parametrize("value", ["true"])
def test_switched_on_from_the_environment(monkeypatch, database_url, value):
    monkeypatch.setenv("SCREENER_HANDOFF", value)
    monkeypatch.setenv("SCREENER_DATABASE_URL", database_url)
    monkeypatch.setenv("SCREENER_DATA_KEYS", TEST_DATA_KEYS[0])
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert app.config["HANDOFF"] is True
    app.extensions["screener.store"].dispose()


def test_offered_on_the_result_and_the_print_view(patient):
    patient.finish()
    for path in ("/result", "/result/print"):
        page = text(patient.client.get(path))
        assert 'href="/send"' in page and "Send my answers to Riverside Spine" in page


def test_never_offered_on_the_emergency_result(patient):
    patient.finish(EMERGENCY)
    page = text(patient.client.get("/result"))
    assert "Send my answers" not in page and "emergency" in page
    assert patient.client.get("/send").location == "/result"
    assert patient.client.post("/send", data=CONTACT).location == "/result"
    assert patient.client.application.extensions["screener.store"].submissions.count() == 0


def test_the_form_asks_for_contact_and_shows_the_versioned_notice(patient):
    page = text(patient.finish().form())
    for field in ('id="name"', 'id="phone"', 'name="best_time"', 'id="note"', 'id="consent"'):
        assert field in page
    assert "30 days" in page and "only the intake staff of Riverside Spine" in page
    assert f"Notice version {VERSION}" in page and 'maxlength="300"' in page


def test_the_notice_version_changes_with_its_words():
    assert fingerprint() == FINGERPRINT, "the notice changed: give it a new consent.VERSION"


@pytest.mark.parametrize(("fields", "field", "message"), [
    ({"name": " "}, "name", "Enter your name."),
    ({"name": "x" * 101}, "name", "at most 100"),
    ({"phone": ""}, "phone", "Enter a phone number"),
    ({"phone": "call me"}, "phone", "using digits"),
    ({"phone": "12345"}, "phone", "using digits"),
    ({"best_time": "midnight"}, "best_time", "Choose the best time"),
    ({"note": "x" * 301}, "note", "at most 300"),
    ({"consent": ""}, "consent", "Tick the box"),
])
def test_problems_are_explained_next_to_the_field_and_nothing_is_stored(patient, fields,
                                                                        field, message):
    response = patient.finish().send_and_see(**fields)
    page = text(response)
    assert response.status_code == 200 and f'href="#{field}"' in page
    assert message in page and f'id="{field}-error"' in page and "<title>Error:" in page
    assert 'value="Rosalind Quimbleworth"' in page or field == "name"
    assert patient.client.application.extensions["screener.store"].submissions.count() == 0


def test_a_failed_send_is_posted_redirected_and_got_keeping_what_was_typed(patient):
    """Back or reload after a failed send never resends: the post redirects, the form's
    GET shows the problems and the typed contact details once, then a fresh form."""
    patient.finish().send(phone="call me", note="After 5, ring twice")
    with patient.client.session_transaction() as session:
        kept = session["handoff_form"]  # contact details only, in the encrypted session
        assert set(kept["typed"]) == {"name", "phone", "best_time", "note", "consent"}
    page = text(patient.client.get("/send"))
    assert "using digits" in page and 'value="Rosalind Quimbleworth"' in page
    assert 'value="call me"' in page and "After 5, ring twice" in page
    assert 'value="evening" checked' in page and 'value="y" checked' in page
    with patient.client.session_transaction() as session:
        assert "handoff_form" not in session  # taken once
    again = text(patient.form())
    assert "using digits" not in again and "Rosalind" not in again


def test_a_failed_withdraw_is_posted_redirected_and_got(patient):
    posted = patient.client.post("/withdraw", data={"code": "7K3M", "phone": ""})
    assert posted.status_code == 303 and posted.location == "/withdraw"
    page = text(patient.client.get("/withdraw"))
    assert 'href="#phone"' in page and 'value="7K3M"' in page
    assert 'href="#phone"' not in text(patient.client.get("/withdraw"))


def test_sending_stores_once_and_shows_the_code_in_groups(patient, submissions):
    patient.finish(URGENT)
    token = patient.token()
    first = patient.send(token)
    assert first.status_code == 302 and first.location == "/sent"
    again = patient.send(token)  # double click, or back and resend
    assert again.location == "/sent" and submissions.count() == 1
    code = patient.code()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    page = text(patient.client.get("/sent"))
    assert "555 0100" in page and "Withdraw what I sent" in page and "/withdraw" in page
    (stored,) = submissions.live()
    assert stored.urgent and stored.answers == URGENT and stored.status is Status.NEW
    assert stored.contact.best_time == "evening" and stored.note == "After 5 please"
    assert stored.consent_version == VERSION
    assert stored.ruleset_version == patient.client.get("/healthz").json["ruleset_version"]
    assert patient.form().location == "/sent"  # the form is not offered twice


def test_withdraw_at_once_from_the_confirmation(patient, submissions):
    patient.finish().send()
    response = patient.client.post("/sent/withdraw")
    assert response.location == "/withdrawn"
    assert "withdrawn and deleted" in text(patient.client.get(response.location))
    (stored,) = submissions.live()
    assert stored.status is Status.WITHDRAWN and stored.contact is None and stored.answers is None
    assert patient.client.get("/sent").location == "/result"


def test_withdraw_later_answers_the_same_whether_or_not_the_pair_exists(patient, handoff_app,
                                                                       submissions):
    patient.finish().send()
    code = patient.code()
    later = handoff_app.test_client()
    answers = []
    for typed, phone in ((code, "555 9999 999"), ("0000-0000-0000", CONTACT["phone"]),
                         (code.lower().replace("-", " "), "(555) 0147-2299")):
        response = later.post("/withdraw", data={"code": typed, "phone": phone})
        assert response.status_code == 302
        answers.append(text(later.get(response.location)))
    assert answers[0] == answers[1] == answers[2]
    assert "If the reference code and phone number match" in answers[0]
    assert submissions.live()[0].status is Status.WITHDRAWN


def test_withdraw_form_explains_missing_fields(patient):
    response = patient.client.post("/withdraw", data={"code": "", "phone": ""})
    assert response.status_code == 303
    assert 'href="#code"' in text(patient.client.get(response.location))


def test_withdraw_and_send_are_rate_limited(make_handoff_app):
    app = make_handoff_app(RATELIMIT_ENABLED=True, HANDOFF_RATE_LIMIT="3 per hour")
    client = app.test_client()
    statuses = [client.post("/withdraw", data={"code": "0000-0000-0000", "phone": "5550100"})
                .status_code for _ in range(5)]
    assert statuses == [302, 302, 302, 429, 429]
    assert "Too many requests" in text(client.post("/withdraw", data={}))


def test_the_machine_exports_carry_the_ruleset_version_and_the_patients_do_not(patient):
    version = patient.client.get("/healthz").json["ruleset_version"]
    assert re.fullmatch(r"2026\.12\+[0-9a-f]{12}", version)
    patient.finish()
    assert version.split("+")[1] not in text(patient.client.get("/result/summary.txt"))
    api = patient.client.post("/api/v1/evaluate", json=COMPLETE_ANSWERS)
    assert api.json["ruleset_version"] == version
    fhir = patient.client.post("/api/v1/evaluate", json=COMPLETE_ANSWERS,
                               headers={"Accept": "application/fhir+json"}).json
    assert fhir["meta"]["tag"][0]["code"] == version


def test_spanish_pages_for_the_handoff(patient):
    patient.client.get("/?lang=es")
    patient.finish()
    assert "Enviar mis respuestas a Riverside Spine" in text(patient.client.get("/result"))
    form = text(patient.form())
    assert 'lang="es"' in form and "Antes de enviar" in form and "30 días" in form
    invalid = text(patient.send_and_see(name=""))
    assert "Escriba su nombre." in invalid
    patient.send()
    sent = text(patient.client.get("/sent"))
    later = text(patient.client.get("/withdraw"))
    assert "Su código de referencia" in sent and "Retirar lo que envié" in sent
    assert "Código de referencia" in later
    english = ["Send my answers", "Before you send", "Your name", "Enter your name",
               "Your reference code", "What happens next", "Withdraw what", "Phone number"]
    for page in (form, invalid, sent, later):
        assert not [words for words in english if words in page]


# The database goes away mid-run


def outage_page(response) -> str:
    page = text(response)
    assert response.status_code == 503
    assert "We could not send this just now" in page and "555 0100" in page
    assert "Try again" in page and 'value="Rosalind Quimbleworth"' in page
    return page


@pytest.mark.parametrize("backend", ["postgresql"])
def test_database_stopped_mid_run_then_back(patient, postgres, submissions):
    patient.finish()
    token = patient.token()
    postgres.pause()
    try:
        outage_page(patient.send_and_see(token))
        withdrawing = patient.client.post("/withdraw", data={"code": "0000-0000-0000",
                                                             "phone": "555"})
        assert withdrawing.location == "/withdraw"
        assert patient.client.get("/withdraw").status_code == 503
        assert patient.client.get("/result").status_code == 200  # the screener goes on
    finally:
        postgres.resume()
    retried = patient.send(token)
    assert retried.location == "/sent" and submissions.count() == 1


def new_connection_shows(postgres, setting: str) -> str:
    with psycopg.connect(host="127.0.0.1", port=postgres.port, user=postgres.user,
                         dbname="postgres", autocommit=True) as connection:
        return str(connection.execute(f"SHOW {setting}").fetchone()[0])


def server_read_only(postgres, app, on: bool) -> None:
    """Switch every new transaction on the server to read-only (or back), and return only
    once the app's next transaction sees it.

    ``pg_reload_conf`` only signals the server: it re-reads the file later, and a
    connection already open applies it before its next command but one. So wait, with a
    deadline, until a new connection shows the setting, then close the app's pooled
    connections so its next ones are opened under it."""
    postgres.execute("ALTER SYSTEM " + ("SET default_transaction_read_only = on" if on
                                        else "RESET default_transaction_read_only"))
    postgres.execute("SELECT pg_reload_conf()")
    wanted = "on" if on else "off"
    deadline = time.monotonic() + 10
    while (shown := new_connection_shows(postgres, "default_transaction_read_only")) != wanted:
        assert time.monotonic() < deadline, f"still {shown} after 10 s"
        time.sleep(0.02)
    app.extensions["screener.store"].dispose()


@pytest.mark.parametrize("backend", ["postgresql"])
def test_database_read_only_then_writable(patient, postgres, submissions, handoff_app):
    patient.finish()
    token = patient.token()
    server_read_only(postgres, handoff_app, True)
    try:
        outage_page(patient.send_and_see(token))
    finally:
        server_read_only(postgres, handoff_app, False)
    assert patient.send(token).location == "/sent" and submissions.count() == 1


@pytest.mark.parametrize("backend", ["sqlite"])
def test_sqlite_read_only(database_url, make_handoff_app):
    path = database_url.removeprefix("sqlite:///")
    app = make_handoff_app(DATABASE_URL=f"sqlite:///file:{path}?mode=ro&uri=true")
    patient = Patient(app.test_client()).finish()
    outage_page(patient.send_and_see())


def test_unreachable_at_start_up_still_serves_and_explains():
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "x",
                      "HANDOFF": True, "CLINIC_PHONE": "555 0100",
                      "DATA_KEYS": TEST_DATA_KEYS[0],
                      "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"})
    patient = Patient(app.test_client()).finish()
    assert patient.client.get("/result").status_code == 200
    outage_page(patient.send_and_see())
    app.extensions["screener.store"].dispose()


# Garbage never stores and never fails

FIELDS = st.sampled_from(["name", "phone", "best_time", "note", "consent", "send_token",
                          "csrf_token", "code", "x", ""])
VALUES = st.one_of(st.sampled_from(["", "y", "morning", "555 0100 222", "0000-0000-0000"]),
                   st.text(max_size=40), st.text(min_size=290, max_size=2000))
FORM = st.dictionaries(FIELDS, st.lists(VALUES, min_size=1, max_size=3), max_size=7)
GARBAGE = settings(max_examples=40, deadline=None,
                   suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("backend", ["sqlite"])
@GARBAGE
@given(form=FORM, finished=st.booleans(), missing=st.sampled_from(["name", "phone",
                                                                   "consent", "best_time"]))
def test_garbage_posts_to_send_never_fail_and_never_store(handoff_app, form, finished,
                                                          missing):
    client = handoff_app.test_client()
    if finished:
        Patient(client).finish().form()
    form.pop(missing, None)
    response = client.post("/send", data=form)
    assert response.status_code < 500
    assert response.status_code in (302, 303, 400, 413, 422)
    assert handoff_app.extensions["screener.store"].submissions.count() == 0


@pytest.mark.parametrize("backend", ["sqlite"])
@GARBAGE
@given(form=FORM)
def test_garbage_posts_to_withdraw_never_fail_and_never_store(handoff_app, form):
    client = handoff_app.test_client()
    for path in ("/withdraw", "/sent/withdraw"):
        response = client.post(path, data=form)
        assert response.status_code in (302, 303, 400, 413, 422)
    assert handoff_app.extensions["screener.store"].submissions.count() == 0


def test_a_sent_handoff_is_counted_once_and_readyz_checks_its_database(patient, handoff_app):
    token = patient.finish().token()
    patient.send(token)
    patient.send(token)  # the same form again: the same submission, not a second count
    assert handoff_app.extensions["screener.usage"].totals()["handoff_sent"] == 1
    ready = patient.client.get("/readyz").get_json()
    assert ready["checks"] == {"rules": "ok", "database": "ok", "database write": "ok",
                               "handoff database": "ok", "handoff database write": "ok",
                               "data keys": "ok"}
