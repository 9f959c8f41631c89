"""A shared computer keeps nothing: the cookie ends with the browser, cannot be read, and
is worthless after a time without activity."""

from __future__ import annotations

import base64
import copy
import re

import pytest
from cryptography.fernet import Fernet

from screener.app import create_app
from screener.catalogue.questions import QUESTIONS

from .conftest import COMPLETE_ANSWERS, WizardActions, form_encode


def cookie_value(response) -> str:
    header = response.headers["Set-Cookie"]
    return header.split(";", 1)[0].split("=", 1)[1]


def screened(wizard: WizardActions) -> str:
    response = wizard.complete(COMPLETE_ANSWERS)
    return cookie_value(response)


def test_cookie_ends_with_the_browser(wizard):
    header = wizard.answer("urgent", COMPLETE_ANSWERS).headers["Set-Cookie"]
    assert "Expires" not in header and "Max-Age" not in header


def test_no_answer_can_be_read_from_the_cookie(wizard):
    token = screened(wizard)
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    for value in ("herniated_disc", "physical_therapy", "smoking", "pain_score", "answers"):
        assert value.encode() not in raw and value not in token


def test_cookie_from_another_key_restarts_politely(wizard, client):
    foreign = Fernet(Fernet.generate_key()).encrypt(
        b'{"d": {"v": 1, "done": ["urgent"], "answers": {"red_flags": ["none"]}}, '
        b'"s": 1, "t": 1}')
    client.set_cookie("screener", foreign.decode())
    response = client.get("/step/diagnosis")
    assert response.status_code == 302 and response.location == "/"


def test_idle_time_clears_the_answers_and_says_so(wizard, clock):
    wizard.answer("urgent", COMPLETE_ANSWERS)
    clock.advance(21)
    response = wizard.client.get("/step/diagnosis", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "we clear your answers after 20 minutes without activity" in page
    assert "We could not find your earlier answers" not in page
    assert wizard.session_answers() == {}


def timed_out_page(client, response) -> str:
    """Where a request after a time-out lands: the one time-out page, by a plain GET."""
    assert response.status_code == 303 and response.location == "/timed-out", (
        response.status_code, response.location)
    landed = client.get(response.location)
    assert landed.status_code == 200
    return landed.get_data(as_text=True)


REQUESTS_AFTER_A_TIME_OUT = [
    ("GET", "/"), ("GET", "/step/diagnosis"), ("GET", "/review"), ("GET", "/result"),
    ("GET", "/result/summary.txt"), ("GET", "/privacy"), ("GET", "/restart"),
    ("POST", "/step/diagnosis"), ("POST", "/restart"),
]


@pytest.mark.parametrize("limit", ["idle", "total"])
@pytest.mark.parametrize(("method", "path"), REQUESTS_AFTER_A_TIME_OUT)
def test_any_request_after_a_time_out_lands_on_the_one_honest_page(wizard, clock, limit,
                                                                   method, path):
    wizard.complete(COMPLETE_ANSWERS)
    if limit == "idle":
        clock.advance(21)
    else:
        for _ in range(7):  # 105 minutes, never 20 idle
            clock.advance(15)
            assert wizard.client.get("/result").status_code == 200
        clock.advance(16)  # 121 in all, 16 idle
    response = wizard.client.open(path, method=method,
                                  data={"diagnosis": "herniated_disc"} if method == "POST"
                                  else None)
    page = timed_out_page(wizard.client, response)
    main = page[page.index("<main"):page.index("</main>")]
    assert "Your answers were cleared" in main and "shared device" in main
    assert "after 20 minutes without activity, and after 120 minutes in all" in main
    assert 'href="/step/urgent"' in main and "Start again" in main
    assert "kept" not in main
    assert wizard.session_answers() == {}
    assert wizard.client.get("/result").location == "/"  # gone, and said once only


def csrf_app():
    return create_app({"TESTING": True, "SECRET_KEY": "test", "RATELIMIT_ENABLED": False})


def csrf_token(client, path: str) -> str:
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def test_a_post_whose_form_expired_with_the_session_lands_on_the_time_out_page(clock):
    client = csrf_app().test_client()
    token = csrf_token(client, "/step/urgent")
    assert client.post("/step/urgent", data={"red_flags": "none", "csrf_token": token}
                       ).location == "/step/urgent-2"
    token = csrf_token(client, "/step/urgent-2")
    clock.advance(21)
    response = client.post("/step/urgent-2", data={"red_flags": "none", "csrf_token": token})
    page = timed_out_page(client, response)
    assert "Your answers were cleared" in page and "This page has expired" not in page


def test_a_stale_form_in_a_live_session_is_shown_again_never_a_400(clock):
    """A form's token that no longer matches while the answers are still there (another
    tab, a token past its own limit): the page again, by GET, with a note that is true."""
    client = csrf_app().test_client()
    token = csrf_token(client, "/step/urgent")
    client.post("/step/urgent", data={"red_flags": "none", "csrf_token": token})
    response = client.post("/step/urgent-2", data={"red_flags": "none", "csrf_token": "stale"})
    assert response.status_code == 303 and response.location == "/step/urgent-2"
    page = client.get(response.location).get_data(as_text=True)
    assert "so what you chose on it was not saved" in page
    with client.session_transaction() as session:
        assert session["answers"] == {"red_flags": ["none"]}


def test_a_post_with_no_session_at_all_says_the_answers_are_gone():
    response = csrf_app().test_client().post("/step/diagnosis", data={"diagnosis": "other"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "This page has expired" in page
    assert "kept" not in page and "Please start again" in page


def test_activity_keeps_the_answers(wizard, clock):
    wizard.answer("urgent", COMPLETE_ANSWERS)
    for _ in range(5):
        clock.advance(15)
        assert wizard.client.get("/step/urgent-2").status_code == 200
    assert wizard.session_answers()["red_flags"] == ["none"]


def test_absolute_limit_clears_even_an_active_session(wizard, clock):
    wizard.answer("urgent", COMPLETE_ANSWERS)
    for _ in range(9):  # 135 minutes, never 20 idle
        clock.advance(15)
        wizard.client.get("/step/diagnosis")
    assert wizard.client.get("/step/diagnosis").status_code == 302
    assert wizard.session_answers() == {}


def test_a_copied_cookie_is_worthless_once_idle(wizard, clock):
    copied = screened(wizard)
    wizard.client.post("/restart")
    clock.advance(21)
    other = WizardActions(wizard.client.application.test_client())
    other.client.set_cookie("screener", copied)
    assert other.client.get("/result").status_code == 303
    assert other.session_answers() == {}


def test_idle_limit_is_a_setting(clock):
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SESSION_IDLE_MINUTES": 5})
    wizard = WizardActions(app.test_client())
    wizard.answer("urgent", COMPLETE_ANSWERS)
    clock.advance(6)
    assert "after 5 minutes" in wizard.client.get("/", follow_redirects=True).get_data(
        as_text=True)


def test_the_nurses_call_is_cleared_when_idle_too(client, clock):
    assert client.post("/intake", data=form_encode(COMPLETE_ANSWERS)).status_code == 302
    with client.session_transaction() as session:
        assert "intake" in session
    clock.advance(21)
    client.get("/intake")
    with client.session_transaction() as session:
        assert "intake" not in session


@pytest.mark.parametrize("keys", ["new-and-old", "fallbacks"])
def test_keys_rotate_without_dropping_sessions(keys):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings = {"TESTING": True, "WTF_CSRF_ENABLED": False}
    if keys == "new-and-old":
        before, after = {"SESSION_KEYS": old_key}, {"SESSION_KEYS": f"{new_key} {old_key}"}
    else:
        before = {"SECRET_KEY": "a" * 40}
        after = {"SECRET_KEY": "b" * 40, "SECRET_KEY_FALLBACKS": ["a" * 40]}
    first = WizardActions(create_app(settings | before).test_client())
    token = cookie_value(first.answer("urgent", COMPLETE_ANSWERS))
    later = WizardActions(create_app(settings | after).test_client())
    later.client.set_cookie("screener", token)
    assert later.client.get("/step/urgent-2").status_code == 200
    assert later.session_answers()["red_flags"] == ["none"]


def every_answer_filled() -> dict:
    """The longest answer set: every question answered with as many choices as allowed."""
    answers = copy.deepcopy(COMPLETE_ANSWERS)
    for qid, question in QUESTIONS.items():
        if question.kind == "multiple":
            exclusive = set(getattr(question, "exclusive", ()) or ())
            answers[qid] = [v for v in question.values if v not in exclusive]
    answers["red_flags"] = [v for v in answers["red_flags"]
                            if v in ("fever", "night_pain", "trauma", "weight_loss")]
    return answers


@pytest.mark.parametrize("lang", ["en", "es"])
def test_cookie_stays_under_4_kb_with_every_answer(lang, app):
    client = app.test_client()
    wizard = WizardActions(client)
    client.get(f"/?lang={lang}")
    answers = every_answer_filled()
    last = wizard.complete(answers)
    assert client.post("/intake", data=form_encode(answers)).status_code == 302
    size = max(len(last.headers["Set-Cookie"]), len(client.get("/intake").headers["Set-Cookie"]))
    print(f"cookie with every answer ({lang}): {size} bytes")
    assert size < 4096, size


@pytest.mark.parametrize("lang", ["en", "es"])
def test_cookie_stays_under_4_kb_with_a_refused_intake_on_top(lang, app):
    """Every answer in the patient flow and the intake, and then an intake post refused
    with every choice ticked (kept for the page's next GET) and long caller details."""
    client = app.test_client()
    client.get(f"/?lang={lang}")
    answers = every_answer_filled()
    WizardActions(client).complete(answers)
    assert client.post("/intake", data=form_encode(answers)).status_code == 302
    refused = form_encode(answers)
    for qid, question in QUESTIONS.items():
        if question.choices:
            refused[qid] = [*question.values, "x" * 500]
    refused |= {f"caller_{key}": "e" * 500 for key in ("name", "birth_date", "clinic_id", "phone")}
    response = client.post("/intake", data=refused)
    assert response.status_code == 303
    size = len(response.headers["Set-Cookie"])
    print(f"cookie with a refused intake on every answer ({lang}): {size} bytes")
    assert size < 4096, size
    assert client.get("/intake").status_code == 422


def test_static_files_never_carry_the_session(wizard):
    wizard.answer("urgent", COMPLETE_ANSWERS)
    response = wizard.client.get("/static/screener.css")
    assert "Set-Cookie" not in response.headers
    assert "public" in response.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/result", "/result/print", "/review", "/intake"])
def test_pages_with_answers_are_never_stored(wizard, path):
    wizard.complete(COMPLETE_ANSWERS)
    assert wizard.client.get(path).headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/result", "/result/print"])
def test_result_and_print_pages_offer_to_clear_the_answers(wizard, path):
    wizard.complete(COMPLETE_ANSWERS)
    assert 'href="/restart?back=' in wizard.client.get(path).get_data(as_text=True)
    assert 'action="/restart"' in wizard.client.get("/restart").get_data(as_text=True)
    wizard.client.post("/restart")
    assert wizard.session_answers() == {}
