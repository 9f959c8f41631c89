"""Save and come back later, as the patient meets it: the link where it belongs and nowhere
else, the code shown once, the session cleared after a save and fresh after a return, wrong
codes answered alike and limited per address, the email to oneself, the privacy notice."""

from __future__ import annotations

import logging
import math
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest

from screener.app import create_app
from screener.catalogue.answers import visible_pages
from screener.catalogue.questions import QUESTIONS
from screener.config import ConfigError
from screener.store.savecode import normalise

from .conftest import (
    COMPLETE_ANSWERS,
    EMERGENCY_ANSWERS,
    EVERY_STEP_ANSWERS,
    TEST_DATA_KEYS,
    WizardActions,
    app_maker,
    migrated_sqlite,
)

LINK = "Save and come back later"
BASE_URL = "https://screener.clinic.example"
SAVE_CONFIG = {"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test-" + "k" * 40,
               "RATELIMIT_ENABLED": False, "SAVE_RETURN": True,
               "DATA_KEYS": TEST_DATA_KEYS[0], "CLINIC_NAME": "Riverside Spine",
               "CLINIC_PHONE": "555 0100", "BASE_URL": BASE_URL}
CODE = re.compile(r"data-return-code[^>]*>([0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4})<")
MIDDLE = "symptoms"


@pytest.fixture
def make_app(tmp_path):
    """Apps with saving on over one migrated SQLite file; engines closed after."""
    yield from app_maker(SAVE_CONFIG, migrated_sqlite(tmp_path))


@pytest.fixture
def save_app(make_app):
    return make_app()


@pytest.fixture
def client(save_app):
    return save_app.test_client()


def main_text(response) -> str:
    html = response.get_data(as_text=True)
    return " ".join(re.sub(r"<[^>]+>", " ", html.split("<main", 1)[1].split("</main>")[0])
                    .split())


def save_here(client, back: str = f"/step/{MIDDLE}", **form: str) -> str:
    """Save from ``back`` as a patient does (the link, then the button); the code shown."""
    page = client.get(f"/save?back={back}")
    assert page.status_code == 200
    posted = client.post(f"/save?back={back}", data=form)
    assert (posted.status_code, posted.location) == (303, "/saved")
    shown = client.get("/saved")
    assert shown.status_code == 200
    return CODE.search(shown.get_data(as_text=True)).group(1)


def test_the_link_is_on_every_question_page_and_the_review_when_on(client):
    wizard = WizardActions(client)
    for page in visible_pages(EVERY_STEP_ANSWERS):
        shown = client.get(f"/step/{page.id}")
        assert LINK in shown.get_data(as_text=True), page.id
        assert f'href="/save?back=/step/{page.id}"' in shown.get_data(as_text=True)
        assert wizard.answer(page.id, EVERY_STEP_ANSWERS).status_code == 302
    review = client.get("/review").get_data(as_text=True)
    assert LINK in review and 'href="/save?back=/review"' in review
    # A link, never a second button beside "Next".
    step = client.get(f"/step/{MIDDLE}").get_data(as_text=True)
    assert re.search(r"<button[^>]*>\s*Save and come back", step) is None


def test_the_urgent_card_offers_it(client):
    WizardActions(client).answer_red_flags(["fever"])
    assert LINK in client.get("/see-a-doctor-soon").get_data(as_text=True)


@pytest.mark.parametrize("red_flags", EMERGENCY_ANSWERS[:3], ids=str)
def test_never_on_the_emergency_result_nor_saved_by_a_forged_post(client, save_app,
                                                                  red_flags):
    WizardActions(client).answer_red_flags(red_flags)
    result = client.get("/result")
    assert "Call 911" in result.get_data(as_text=True)
    assert LINK not in result.get_data(as_text=True)
    assert client.get("/save").location == "/result"
    forged = client.post("/save", data={})
    assert forged.location == "/result"
    with client.session_transaction() as session:
        assert session["answers"]["red_flags"] == red_flags  # nothing saved, nothing cleared
    with save_app.extensions["screener.store"].engine.connect() as db:
        assert db.exec_driver_sql("SELECT count(*) FROM saved_screenings").scalar() == 0


def test_everything_is_absent_when_off(tmp_path):
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                      "RATELIMIT_ENABLED": False})
    client = app.test_client()
    wizard = WizardActions(client)
    wizard.answer_until(MIDDLE, COMPLETE_ANSWERS)
    assert LINK not in client.get(f"/step/{MIDDLE}").get_data(as_text=True)
    wizard.complete(COMPLETE_ANSWERS)
    assert LINK not in client.get("/review").get_data(as_text=True)
    landing = client.get("/").get_data(as_text=True)
    assert "Continue a saved screening" not in landing and "Need a break" not in landing
    assert "come back later" not in client.get("/privacy").get_data(as_text=True)
    for path in ("/save", "/saved", "/continue"):
        assert client.get(path).status_code == 404
    assert client.post("/continue", data={"code": "K7QM-3XPA-9HWD"}).status_code == 404


def test_saving_shows_the_code_once_and_clears_this_browser(client):
    wizard = WizardActions(client)
    wizard.answer_until(MIDDLE, COMPLETE_ANSWERS)
    with client.session_transaction() as session:
        session["handoff_token"] = "t" * 32
    started = datetime.now(UTC)
    page = main_text(client.get(f"/save?back=/step/{MIDDLE}"))
    assert "Nobody at Riverside Spine can open them" in page
    assert "a lost code cannot be recovered" in page
    assert "cleared from this browser" in page
    client.post(f"/save?back=/step/{MIDDLE}", data={})
    shown = client.get("/saved")
    # Seven days from now, whichever side of midnight each page was drawn.
    untils = {f"{moment + timedelta(days=7):%B %-d, %Y}" for moment in (started, datetime.now(UTC))}
    until = next((u for u in untils
                  if f"The code works once, for 7 days (until {u})" in page), None)
    assert until, page
    code = CODE.search(shown.get_data(as_text=True)).group(1)
    assert normalise(code) is not None
    text = main_text(shown)
    assert f"{BASE_URL}/continue#{code}" in text  # the code after "#": never sent to a server
    assert f'href="{BASE_URL}/continue#{code}"' in shown.get_data(as_text=True)
    for words in ("no longer shown here", "Nobody at Riverside Spine can open your saved",
                  "A lost code cannot be recovered", "The code works once",
                  "cleared from this browser now"):
        assert words in text
    assert any(f"It works until {u}" in text for u in untils)
    assert "Pressing “I have my code” clears this browser" in text
    with client.session_transaction() as session:
        assert set(session) <= {"lang", "_flashes", "saved_for_later", "csrf_token"}
    assert client.get(f"/step/{MIDDLE}").location == "/"  # the answers left with the save
    assert CODE.search(client.get("/saved").get_data(as_text=True)).group(1) == code
    done = client.post("/saved", data={})
    assert (done.status_code, done.location) == (303, "/")
    with client.session_transaction() as session:
        assert set(session) <= {"lang", "_flashes"}, dict(session)
    again = client.get("/saved")
    assert again.status_code == 410 and code not in again.get_data(as_text=True)


def test_the_code_survives_the_language_link_and_a_reload_until_done(client):
    """The language link, a reload, a discarded tab: the same code, in Spanish; "I have
    my code" ends it."""
    WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
    code = save_here(client)
    spanish = client.get("/saved?lang=es", follow_redirects=True)
    assert spanish.status_code == 200
    assert CODE.search(spanish.get_data(as_text=True)).group(1) == code
    assert "Tengo mi código" in spanish.get_data(as_text=True)
    assert CODE.search(client.get("/saved").get_data(as_text=True)).group(1) == code
    assert client.post("/saved", data={}).location == "/"
    assert client.get("/saved").status_code == 410
    assert client.post("/continue", data={"code": code}).location == f"/step/{MIDDLE}"


def test_the_code_leaves_the_browser_after_fifteen_minutes(client):
    from screener.web.saving import SHOWN_FOR

    WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
    code = save_here(client)
    with client.session_transaction() as session:
        until = session["saved_for_later"]["until"]
        assert 0 < until - datetime.now(UTC).timestamp() <= SHOWN_FOR
        session["saved_for_later"]["until"] = datetime.now(UTC).timestamp() - 1
    gone = client.get("/saved")
    assert gone.status_code == 410 and code not in gone.get_data(as_text=True)
    with client.session_transaction() as session:
        assert "saved_for_later" not in session


def test_coming_back_restores_into_a_fresh_session_on_the_first_page_not_done(client):
    wizard = WizardActions(client)
    wizard.answer_until(MIDDLE, COMPLETE_ANSWERS)
    before = wizard.session_answers()
    code = save_here(client)
    with client.session_transaction() as session:
        session["handoff_token"] = "x" * 32
        session["csrf_token"] = "left-behind"
    typed = " ".join(code.replace("-", "").lower()[i:i + 3] for i in range(0, 12, 3))
    back = client.post("/continue", data={"code": typed})
    assert (back.status_code, back.location) == (303, f"/step/{MIDDLE}")
    with client.session_transaction() as session:
        assert "handoff_token" not in session and "csrf_token" not in session
        assert session["answers"] == before
    landed = main_text(client.get(back.location))
    assert "Welcome back" in landed
    assert "Welcome back" not in main_text(client.get(back.location))  # said once
    wizard.complete(COMPLETE_ANSWERS)
    assert "Your information" in client.get("/result").get_data(as_text=True)


def test_a_wrong_code_and_a_used_code_get_the_same_calm_answer(client):
    WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
    code = save_here(client)
    assert client.post("/continue", data={"code": code}).location == f"/step/{MIDDLE}"
    client.get(f"/step/{MIDDLE}")  # where it landed, with its welcome
    answers = {}
    for name, typed in (("used", code), ("wrong", "K7QM-3XPA-9HWD"), ("not a code", "hello!")):
        refused = client.post("/continue", data={"code": typed})
        assert (refused.status_code, refused.location) == (303, "/continue")  # PRG
        page = client.get("/continue")
        assert page.status_code == 422
        answers[name] = main_text(page)
    assert answers["used"] == answers["wrong"] == answers["not a code"]
    assert "We could not open a saved screening with this code" in answers["used"]
    assert main_text(client.get("/continue")).count("could not open") == 0  # shown once


def test_a_save_this_version_cannot_read_says_start_again_never_a_wrong_code(client,
                                                                             save_app):
    """A save made by another version of the screener (another payload version): the code
    opened it and is used up, so the patient hears why and starts on the first page."""
    saved = save_app.extensions["screener.store"].saved
    code = saved.save({"v": 99, "answers": {"red_flags": ["none"]}, "language": "es"}, 7,
                      datetime.now(UTC))
    back = client.post("/continue", data={"code": code})
    assert (back.status_code, back.location) == (303, "/step/urgent")
    landed = main_text(client.get(back.location))
    assert "ya no corresponden a las preguntas" in landed  # in the language it was saved in
    assert "bienvenida" not in landed  # nothing is "here again"
    with client.session_transaction() as session:
        assert session.get("answers", {}) == {}
    assert saved.count() == 0


def test_red_flags_are_asked_again_after_a_day(client, save_app):
    """Saved two days ago (through the service, with its clock): the urgent pages again."""
    WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
    with client.session_transaction() as session:
        answers, done = session["answers"], session["done"]
    code = save_app.extensions["screener.screening"].save_for_later(
        answers, done, "es", 7, now=datetime.now(UTC) - timedelta(days=2))
    back = client.post("/continue", data={"code": code})
    assert back.location == "/step/urgent"
    with client.session_transaction() as session:
        assert "red_flags" not in session["answers"] and session["lang"] == "es"
        assert session["answers"]["age_band"] == answers["age_band"]
    started = save_app.extensions["screener.usage"].totals().get("started")
    landed = main_text(client.get(back.location))
    assert "responda de nuevo las preguntas sobre síntomas urgentes" in landed
    assert save_app.extensions["screener.usage"].totals().get("started") == started  # once


@pytest.mark.parametrize(("neighbour", "held"), [("198.51.100.7", False),
                                                 ("2001:db8:1:2::beef", True),
                                                 ("2001:db8:1:3::1", False)])
def test_a_wrong_code_storm_is_limited_per_address(make_app, neighbour, held):
    """N codes tried are answered (a right one counts too: each works once); the N+1th
    waits (429, Retry-After, the real wait in words); another address in the same IPv6
    /64 waits too."""
    app = make_app(RATELIMIT_ENABLED=True, SAVE_RETURN_RATE_LIMIT="5 per hour")
    attacker = app.test_client()
    attacker.environ_base["REMOTE_ADDR"] = "2001:db8:1:2::1"
    WizardActions(attacker).answer_until(MIDDLE, COMPLETE_ANSWERS)
    code = save_here(attacker)
    assert attacker.post("/continue", data={"code": code}).location == f"/step/{MIDDLE}"
    tried = [attacker.post("/continue", data={"code": f"K7QM-3XPA-9HW{n}"}).status_code
             for n in range(4)]
    assert tried == [303] * 4
    stopped = attacker.post("/continue", data={"code": "K7QM-3XPA-9HWX"})
    wait = int(stopped.headers["Retry-After"])
    assert stopped.status_code == 429 and 3500 < wait <= 3600
    assert "Please wait before trying again" in main_text(stopped)
    assert f"(in about {math.ceil(wait / 60)} min)" in main_text(stopped)
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = neighbour
    assert other.post("/continue", data={"code": "K7QM-3XPA-9HWX"}).status_code == (
        429 if held else 303)


def test_the_email_to_oneself_carries_the_link_and_no_answer(make_app, inbox, smtp_port,
                                                            caplog):
    app = make_app(SMTP_URL=f"smtp://127.0.0.1:{smtp_port}")
    client = app.test_client()
    WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
    address = "rosalind.quimbleworth@example.org"
    form = client.get(f"/save?back=/step/{MIDDLE}").get_data(as_text=True)
    assert 'type="email"' in form
    with caplog.at_level(logging.DEBUG):
        code = save_here(client, email=address)
    assert len(inbox.messages) == 1
    mail = inbox.messages[0]
    body = mail.get_payload(decode=True).decode()
    assert mail["To"] == address
    assert f"{BASE_URL}/continue#{code}" in body
    assert "Riverside Spine" in mail["Subject"]
    answered = {str(v) for qid, value in COMPLETE_ANSWERS.items() if qid in QUESTIONS
                for v in (value if isinstance(value, list) else [value])}
    labels = {QUESTIONS[qid].label_of(v) for qid, value in COMPLETE_ANSWERS.items()
              if QUESTIONS[qid].choices
              for v in (value if isinstance(value, list) else [value])}
    words = set(re.findall(r"[a-z_]+", body.lower()))
    assert not {v for v in answered if not v.isdigit()} & words
    assert not [label for label in labels if len(label) > 8 and label in body]  # not "No"
    ours = [r.getMessage() for r in caplog.records if not r.name.startswith("mail.log")]
    assert not [line for line in ours if address in line or code in line]
    with client.session_transaction() as session:
        assert address not in str(dict(session))


def test_a_malformed_email_is_refused_and_not_kept(make_app, smtp_port):
    client = make_app(SMTP_URL=f"smtp://127.0.0.1:{smtp_port}").test_client()
    WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
    refused = client.post(f"/save?back=/step/{MIDDLE}", data={"email": "me at home"})
    assert refused.status_code == 303 and refused.location.startswith("/save")
    with client.session_transaction() as session:
        assert "me at home" not in str(dict(session)) and "answers" in session
    again = client.get(refused.location)
    assert again.status_code == 422 and "Enter an email address like" in main_text(again)
    assert "me at home" not in again.get_data(as_text=True)


def test_the_email_needs_the_configured_address(make_app, smtp_port):
    with pytest.raises(ConfigError, match="SCREENER_BASE_URL"):
        make_app(SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", BASE_URL="")


def test_the_privacy_notice_and_landing_say_what_is_kept_and_for_how_long(make_app):
    client = make_app(SAVE_RETURN_DAYS=5).test_client()
    privacy = main_text(client.get("/privacy"))
    assert "If you save your answers to come back later" in privacy
    assert "Nobody at Riverside Spine can open them" in privacy
    assert "after 5 days if you do not" in privacy
    landing = client.get("/")
    assert 'href="/continue"' in landing.get_data(as_text=True)
    assert "save your answers for 5 days" in main_text(landing)
    spanish = main_text(client.get("/privacy?lang=es"))
    assert "después de 5 días si no continúa" in spanish


@pytest.mark.parametrize("path", ["/continue", "/save?back=/review"])
def test_the_new_pages_stay_within_the_page_budget(client, path):
    WizardActions(client).complete(COMPLETE_ANSWERS)
    page = client.get(path)
    assert page.status_code == 200 and len(page.data) < 10 * 1024


def test_clinic_file_keys_map_to_the_settings(tmp_path):
    clinic = tmp_path / "clinic.yaml"
    clinic.write_text("save_return: true\nsave_return_days: 3\n", encoding="utf-8")
    from screener.settings import load_settings

    settings = load_settings({"CLINIC_CONFIG": str(clinic)})
    assert (settings.SAVE_RETURN, settings.SAVE_RETURN_DAYS) == (True, 3)
    clinic.write_text("save_return: yes please\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"clinic.yaml:1: 'save_return'"):
        load_settings({"CLINIC_CONFIG": str(clinic)})



def test_a_mail_server_that_fails_still_shows_the_code_and_says_so(make_app, smtp_port):
    client = make_app(SMTP_URL=f"smtp://127.0.0.1:{smtp_port}").test_client()  # nobody there
    WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
    client.post(f"/save?back=/step/{MIDDLE}", data={"email": "me@example.org"})
    shown = client.get("/saved")
    assert CODE.search(shown.get_data(as_text=True))
    assert "We could not send the email. Please write the code down." in main_text(shown)


def test_a_second_click_on_save_still_shows_the_code(client):
    WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
    assert client.post(f"/save?back=/step/{MIDDLE}", data={}).location == "/saved"
    again = client.post(f"/save?back=/step/{MIDDLE}", data={})  # sent with the new cookie
    assert again.location == "/saved"
    assert CODE.search(client.get("/saved").get_data(as_text=True))


def test_the_last_day_is_on_the_clinic_s_clock(make_app, monkeypatch):
    import importlib

    saving = importlib.import_module("screener.web.saving")  # the module, not its blueprint
    late = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)  # still December 5 in Chicago

    class Clock(datetime):
        @classmethod
        def now(cls, tz=None):
            return late

    monkeypatch.setattr(saving, "datetime", Clock)
    client = make_app(TIMEZONE="America/Chicago").test_client()
    WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
    assert "(until December 12, 2026)" in main_text(client.get(f"/save?back=/step/{MIDDLE}"))


def test_saves_and_returns_are_counted_as_numbers_only(client, save_app):
    WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
    code = save_here(client)
    client.post("/continue", data={"code": "K7QM-3XPA-9HWD"})
    client.post("/continue", data={"code": code})
    totals = save_app.extensions["screener.usage"].totals()
    assert (totals.get("saved"), totals.get("resumed")) == (1, 1)


def test_the_new_pages_are_all_spanish_in_spanish(make_app, ruleset, inbox, smtp_port):
    from .test_i18n import VisibleText, english_phrases

    app = make_app(SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", RATELIMIT_ENABLED=True,
                   SAVE_RETURN_RATE_LIMIT="1 per hour")
    client = app.test_client()
    client.get("/?lang=es")
    WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
    pages = {"step": client.get(f"/step/{MIDDLE}"), "landing": client.get("/"),
             "privacy": client.get("/privacy"), "save": client.get(f"/save?back=/step/{MIDDLE}")}
    client.post(f"/save?back=/step/{MIDDLE}", data={"email": "me@example.org"})
    pages["saved"] = client.get("/saved")
    pages["saved again"] = client.get("/saved")
    client.post("/continue", data={"code": "K7QM-3XPA-9HWD"})
    pages["wrong code"] = client.get("/continue")
    pages["wait"] = client.post("/continue", data={"code": "K7QM-3XPA-9HWD"})
    english = english_phrases(ruleset) - {"Riverside Spine"}
    left = {name: sorted(p for p in english if p in VisibleText.of(page.get_data(as_text=True)))
            for name, page in pages.items()}
    assert {name: found for name, found in left.items() if found} == {}
    assert pages["wait"].status_code == 429
    body = inbox.messages[0].get_payload(decode=True).decode()
    assert "Para continuar, abra este enlace" in body


@pytest.mark.parametrize("backend", ["postgresql"])
def test_a_database_outage_is_said_and_nothing_is_lost(postgres, database_url):
    app = create_app(SAVE_CONFIG | {"DATABASE_URL": database_url})
    client = app.test_client()
    try:
        WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
        code = save_here(client)
        WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
        postgres.pause()
        try:
            refused = client.post(f"/save?back=/step/{MIDDLE}", data={})
            assert refused.status_code == 303
            page = client.get(refused.location)
            assert page.status_code == 503 and "Nothing was saved" in main_text(page)
            assert WizardActions(client).session_answers()  # still in this browser
            assert client.post("/continue", data={"code": code}).location == "/continue"
            page = client.get("/continue")
            assert page.status_code == 503 and "Your code has not been used" in main_text(page)
        finally:
            postgres.resume()
        assert client.post("/continue", data={"code": code}).location == f"/step/{MIDDLE}"
    finally:
        app.extensions["screener.store"].dispose()


def test_emails_of_the_link_are_limited_per_address(make_app, inbox, smtp_port):
    """The clinic's mail server writes to any address typed: past the limit, a wait, and
    the answers stay in this browser."""
    app = make_app(SMTP_URL=f"smtp://127.0.0.1:{smtp_port}", RATELIMIT_ENABLED=True,
                   SAVE_RETURN_RATE_LIMIT="2 per hour")
    sent = []
    for _ in range(3):
        client = app.test_client()
        WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
        sent.append(client.post(f"/save?back=/step/{MIDDLE}",
                                data={"email": "someone@example.org"}).status_code)
    assert sent == [303, 303, 303] and len(inbox.messages) == 2
    shown = client.get("/saved")  # the third: saved and shown, only the email waits
    assert CODE.search(shown.get_data(as_text=True))
    text = main_text(shown)
    assert "We did not send the email" in text
    assert "Your code is saved and works without the email" in text
    assert re.search(r"in about (59|60) min", text)


@pytest.mark.parametrize("token", ["stale-or-forged", None])
def test_a_form_open_too_long_comes_back_calmly_never_start_again(make_app, token):
    """The form's token expired (WTF_CSRF_TIME_LIMIT, an idle session) or is absent: the
    post comes back to its own form by GET with a calm word; the code still works."""
    app = make_app()
    client = app.test_client()
    WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
    app.config["WTF_CSRF_ENABLED"] = True  # from here on, as in production
    page = client.get(f"/save?back=/step/{MIDDLE}").get_data(as_text=True)
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    sent = {} if token is None else {"csrf_token": token}
    refused = client.post(f"/save?back=/step/{MIDDLE}", data=sent)
    assert (refused.status_code, refused.location) == (303, f"/save?back=/step/{MIDDLE}")
    again = client.get(refused.location)
    assert again.status_code == 422
    assert "This page was open a long time. Please press the button again." in main_text(again)
    assert "start again" not in main_text(again).lower()
    assert client.post(f"/save?back=/step/{MIDDLE}",
                       data={"csrf_token": fresh}).location == "/saved"
    code = CODE.search(client.get("/saved").get_data(as_text=True)).group(1)

    client.get("/continue")
    refused = client.post("/continue", data={"code": code} | sent)
    assert (refused.status_code, refused.location) == (303, "/continue")
    form = client.get("/continue")
    assert form.status_code == 422
    text = main_text(form)
    assert "This page was open a long time. Please type your code again." in text
    assert "start again" not in text.lower().replace("you can start again", "")
    fresh = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      form.get_data(as_text=True)).group(1)
    back = client.post("/continue", data={"code": code, "csrf_token": fresh})
    assert back.location == f"/step/{MIDDLE}"  # the code was still valid


@pytest.mark.parametrize("limit", [10])
def test_simultaneous_tries_are_counted_atomically(make_app, limit):
    """N + 1 codes posted at once from one address: exactly N are answered, one waits (a
    check, then a count, let them all through)."""
    app = make_app(RATELIMIT_ENABLED=True, SAVE_RETURN_RATE_LIMIT=f"{limit} per hour")
    barrier = threading.Barrier(limit + 1)
    statuses: list[int] = []

    def attempt(n: int) -> None:
        client = app.test_client()
        client.environ_base["REMOTE_ADDR"] = "198.51.100.20"
        code = "K7QM-3XPA-" + savecode_tail(n)
        barrier.wait()
        statuses.append(client.post("/continue", data={"code": code}).status_code)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(limit + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [303] * limit + [429]


def savecode_tail(n: int) -> str:
    from screener.store.savecode import ALPHABET

    return ALPHABET[n] * 4


def test_a_schema_behind_names_saved_screenings_when_they_need_it(tmp_path):
    """Saving on, the handoff off: start-up names what needs the database."""
    from screener.store.db import SchemaBehind

    with pytest.raises(SchemaBehind) as refused:
        create_app(SAVE_CONFIG | {"DATABASE_URL": f"sqlite:///{tmp_path}/empty.db"})
    assert "The database for saved screenings" in str(refused.value)
    assert "handoff" not in str(refused.value)
    assert "screener db upgrade" in str(refused.value)


@pytest.mark.parametrize("csrf", [False, True])
def test_saving_after_the_idle_limit_lands_on_the_time_out_page(make_app, clock, csrf):
    """The answers went for time: saving them says so on the one time-out page (issue 29),
    with or without the form's token still good; continuing with a code is not diverted."""
    app = make_app()
    client = app.test_client()
    WizardActions(client).answer_until(MIDDLE, COMPLETE_ANSWERS)
    app.config["WTF_CSRF_ENABLED"] = csrf
    page = client.get(f"/save?back=/step/{MIDDLE}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)
    clock.advance(21)
    saved = client.post(f"/save?back=/step/{MIDDLE}",
                        data={"csrf_token": token.group(1)} if token else {})
    assert (saved.status_code, saved.location) == (303, "/timed-out")
    assert "Your answers were cleared" in main_text(client.get(saved.location))
    clock.advance(21)
    assert client.get("/continue").status_code == 200
