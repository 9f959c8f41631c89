"""The patient flow, a page (one question) at a time, as a person on a clinic's website uses it."""

from __future__ import annotations

import re

import pytest
from hypothesis import HealthCheck, given, settings

from screener.app import create_app
from screener.catalogue.questions import (
    PAGE_OF,
    PAGES,
    PARTS,
    QUESTIONS,
    STEPS,
    is_emergency,
)
from screener.config import ConfigError
from screener.engine.disclaimer import disclaimer
from screener.engine.safety_net import safety_net

from .conftest import (
    EMERGENCY_ANSWERS,
    EVERY_STEP_ANSWERS,
    QUIET_URGENT,
    WizardActions,
    answer_sets,
    form_encode,
)


def text(response) -> str:
    return response.get_data(as_text=True)


def follow(client, response):
    return client.get(response.location)


def test_landing_explains_and_starts(client):
    page = text(client.get("/"))
    low, high = client.application.extensions["screener.screening"].reading_minutes("en")
    assert f"It takes about {low} to {high} minutes" in page
    assert "Nothing is stored on our side" in page
    assert 'href="/step/urgent"' in page


def test_urgent_symptoms_come_first():
    assert STEPS[0].questions == ("red_flags",)
    assert PAGES[0].id == "urgent" and PAGES[0].questions == ("red_flags",)


def test_each_question_has_its_pages_in_catalogue_order_with_age_right_after_red_flags():
    later = [q for s in STEPS for q in s.questions if q not in ("red_flags", "age_band")]
    assert [p.question for p in PAGES] == ["red_flags"] * 3 + ["age_band"] + later
    assert [p.id for p in PAGES[:4]] == ["urgent", "urgent-2", "urgent-3", "age"]
    assert [p.id for p in PAGES if p.id in {s.id for s in STEPS}] == [s.id for s in STEPS]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.id)
def test_each_page_accepts_a_valid_answer_and_moves_on(wizard, page):
    answers = EVERY_STEP_ANSWERS
    wizard.answer_until(page.id, answers)
    response = wizard.answer(page.id, answers)
    assert response.status_code == 302
    following = PAGES[PAGES.index(page) + 1].id if page is not PAGES[-1] else None
    assert response.location == (f"/step/{following}" if following else "/review")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.id)
def test_each_page_rejects_a_missing_answer_with_a_linked_summary(wizard, page):
    wizard.answer_until(page.id, EVERY_STEP_ANSWERS)
    response = wizard.client.post(f"/step/{page.id}", data={})
    qid = page.question
    if not QUESTIONS[qid].required:
        assert response.status_code == 302
        return
    response = wizard.shown_again(response)
    page_text = text(response)
    assert 'id="error-summary"' in page_text and "<title>Error: " in page_text
    assert f'href="#{qid}-0"' in page_text
    assert f'id="{qid}-error"' in page_text
    assert f'aria-describedby="{qid}-help {qid}-error"' in page_text


def test_the_question_is_the_page_heading_under_its_part_and_progress(wizard, answers):
    wizard.answer_until("diagnosis", answers)
    page = text(wizard.client.get("/step/diagnosis"))
    # Parts, not pages: their number never grows, whatever the answers open.
    assert len(PARTS) == 6
    assert 'Part 2 of 6: <span class="section-name">What you know so far' in page
    assert "<title>Has a doctor told you what is causing your pain? (part 2 of 6)" in page
    assert re.search(r'<legend class="page-heading"><h1>Has a doctor told you', page)
    assert page.count("<h1") == 1


def test_every_question_has_why_we_ask_and_labels(wizard):
    wizard.complete(EVERY_STEP_ANSWERS)
    for each in PAGES:
        page = text(wizard.client.get(f"/step/{each.id}"))
        qid = each.question
        assert (f'id="{qid}-help"><b>Why we ask:</b>' in page
                or f'<summary>Why we ask</summary><p id="{qid}-help">' in page)
        options = re.findall(rf"<label[^>]*><input type=\w+(?: id=\S+)? name={qid} ", page)
        assert len(options) == len(each.choices or QUESTIONS[qid].choices) or (
            len(options) == 11 and not QUESTIONS[qid].choices)


@pytest.mark.parametrize(
    ("step", "posted", "message"),
    [
        ("urgent", {"red_flags": ["none", "bladder_bowel"]},
         "“None of these” cannot be chosen together with other answers."),
        ("diagnosis", {"diagnosis": ["not_sure", "herniated_disc"]},
         "“Not sure, or no one has told me” cannot be chosen together"),
    ],
)
def test_exclusive_options_stand_alone(wizard, answers, step, posted, message):
    if step != "urgent":
        wizard.answer_until(step, answers)
    response = wizard.shown_again(wizard.answer(step, answers | posted))
    assert message in text(response)


def test_tampered_value_gets_a_clear_message(wizard, answers):
    response = wizard.shown_again(
        wizard.client.post("/step/urgent", data={"red_flags": ["<script>"]}))
    assert "Choose from the answers shown." in text(response)
    assert "<script>" not in text(response)


def test_details_of_care_not_tried_are_not_stored(wizard, answers):
    answers |= {"treatments_tried": ["none"]}
    wizard.complete(answers)
    stored = wizard.session_answers()
    assert stored["treatments_tried"] == ["none"]
    assert "treatment_duration" not in stored and "treatment_result" not in stored


def test_details_of_surgery_are_asked_only_after_surgery(wizard, answers):
    wizard.answer_until("surgery", answers)
    response = wizard.client.post("/step/surgery", data={"prior_surgery": "none"})
    assert response.location == "/step/health"
    assert wizard.client.get("/step/surgery_details").location == "/step/health"
    response = wizard.client.post("/step/surgery", data={"prior_surgery": "one"})
    assert response.location == "/step/surgery_details"
    for page_id, qid in (("surgery_details", "prior_surgery_when"),
                         ("prior_surgery_type", "prior_surgery_type"),
                         ("prior_surgery_outcome", "prior_surgery_outcome")):
        response = wizard.shown_again(wizard.client.post(f"/step/{page_id}", data={}))
        assert f'id="{qid}-error"' in text(response)
        assert "data-shown-when" not in text(response), "asked already: nothing waits"
        wizard.answer(page_id, EVERY_STEP_ANSWERS)


def test_a_yes_from_the_review_asks_the_details_then_returns(wizard, answers):
    wizard.complete(answers)
    response = wizard.answer("surgery", {"prior_surgery": "one"}, returning=True)
    assert response.location == "/step/surgery_details?return=review"
    response = wizard.answer("surgery_details", EVERY_STEP_ANSWERS, returning=True)
    assert response.location == "/step/prior_surgery_type?return=review"
    response = wizard.answer("prior_surgery_type", EVERY_STEP_ANSWERS, returning=True)
    assert response.location == "/step/prior_surgery_outcome?return=review"
    response = wizard.answer("prior_surgery_outcome", EVERY_STEP_ANSWERS, returning=True)
    assert response.location == "/review"
    assert wizard.client.get("/review").status_code == 200


def test_no_scan_drops_scan_age(wizard, answers):
    wizard.complete(answers | {"imaging": ["none"]})
    assert "imaging_within_12_months" not in wizard.session_answers()


def test_changing_an_answer_drops_what_it_made_obsolete(wizard, answers):
    wizard.complete(answers)
    assert "treatment_duration" in wizard.session_answers()
    response = wizard.answer("treatments", {"treatments_tried": ["none"]}, returning=True)
    assert response.location == "/review"
    stored = wizard.session_answers()
    assert "treatment_duration" not in stored and "treatment_result" not in stored


def test_review_lists_every_answer_with_a_change_link(wizard, answers):
    wizard.complete(answers)
    page = text(wizard.client.get("/review"))
    for qid in answers:
        assert f'href="/step/{PAGE_OF[qid].id}?return=review"' in page
    assert "Herniated, slipped or bulging disc" in page
    assert 'href="/step/age?return=review"' in page
    assert 'href="/step/health?return=review"' in page
    assert page.count('href="/step/urgent?return=review"') == 1, "one red-flag answer"
    assert 'href="/step/urgent-2' not in page


def test_a_skipped_question_can_still_be_answered_from_the_review(wizard, answers):
    skipped = {k: v for k, v in answers.items() if k != "goals"}
    assert not QUESTIONS["goals"].required
    wizard.complete(skipped)
    page = text(wizard.client.get("/review"))
    row = page[page.index("What would you most like treatment to help with?"):]
    assert row.index("Not answered") < row.index('href="/step/goals?return=review"') < 400


def test_a_new_follow_up_left_for_later_keeps_the_way_back_to_the_review(wizard, answers):
    wizard.complete(answers | {"imaging": ["none"]})
    response = wizard.answer("imaging", {"imaging": ["mri"]}, returning=True)
    assert response.location == "/step/imaging_within_12_months?return=review"
    back = wizard.client.get("/review")  # "Back" before answering the new question
    assert back.location == "/step/imaging_within_12_months?return=review"


def test_change_from_review_returns_to_review(wizard, answers):
    wizard.complete(answers)
    page = text(wizard.client.get("/step/age?return=review"))
    assert "Save and go back to review" in page
    response = wizard.answer("age", answers | {"age_band": "75_plus"}, returning=True)
    assert response.location == "/review"
    assert "75 or older" in text(wizard.client.get("/review"))


def test_change_that_opens_a_new_question_asks_it_before_review(wizard, answers):
    answers |= {"treatments_tried": ["none"]}
    wizard.complete(answers)
    response = wizard.client.post("/step/treatments?return=review",
                                  data={"treatments_tried": ["injection"]})
    assert response.location == "/step/treatment_duration?return=review"
    assert wizard.client.get("/review").location == "/step/treatment_duration?return=review"
    response = wizard.shown_again(wizard.client.post(response.location, data={}))
    assert 'id="treatment_duration-error"' in text(response)


@pytest.mark.parametrize("red_flags", EMERGENCY_ANSWERS, ids="+".join)
def test_emergency_answer_ends_the_flow_at_once(wizard, red_flags):
    """Every other urgent flag is ticked too, and each brings guidance of its own: only the
    emergency stop keeps the result to the emergency topics."""
    response = wizard.answer_red_flags(red_flags + QUIET_URGENT)
    assert response.location == "/result"
    page = text(wizard.client.get("/result"))
    topics = re.findall(r'data-topic="([^"]+)"', page)
    assert topics[0] == "emergency-care" and len(topics) == 2
    assert "spinal-cord-check" not in topics and "prompt-medical-review" not in topics
    assert 'href="tel:911"' in page
    assert disclaimer() in page
    assert 'id="safety-net"' not in page
    later = wizard.client.get("/step/diagnosis")
    assert later.status_code == 302 and later.location == "/result"
    assert wizard.client.get("/review").location == "/result"


def test_emergency_number_comes_from_configuration():
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "EMERGENCY_NUMBER": "999"})
    client = app.test_client()
    WizardActions(client).answer_red_flags(["chest_pain"])
    page = text(client.get("/result"))
    assert 'href="tel:999"' in page and "call 999" in page
    assert "Call 999 now. Do not drive yourself" in page
    assert "Call 999 for an ambulance now" in page and "nearest emergency room" not in page
    assert "{emergency_number}" not in page


def test_safety_net_uses_the_configured_number_on_every_result_format():
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "EMERGENCY_NUMBER": "112"})
    client = app.test_client()
    from .conftest import COMPLETE_ANSWERS
    WizardActions(client).complete(COMPLETE_ANSWERS)
    for url in ("/result", "/result/print", "/result/summary.txt"):
        assert safety_net("112") in text(client.get(url)), url
    api = client.post("/api/v1/evaluate", json=COMPLETE_ANSWERS)
    assert api.json["safety_net"] == safety_net("112")


def test_urgent_answer_continues_and_opens_the_result(wizard, answers):
    wizard.complete(answers | {"red_flags": ["fever"]})
    page = text(wizard.client.get("/result"))
    topics = re.findall(r'data-topic="([^"]+)"', page)
    assert topics[0] == "prompt-medical-review"
    assert page.index("Act on this first") < page.index("To talk about with a spine specialist")


def test_result_groups_topics_and_ends_with_the_disclaimer(wizard, answers):
    wizard.complete(answers)
    page = text(wizard.client.get("/result"))
    assert 'data-topic="discuss-miss-with-specialist"' in page
    assert "Questions you could ask:" in page
    main = page[page.index("<main"): page.index("</main>")]
    assert main.rstrip().endswith("</section>")
    assert main.rindex('id="disclaimer"') > main.rindex("data-topic=")
    assert disclaimer() in main[main.rindex('id="disclaimer"'):]
    # The safety net sits with what to do now, above the topics (issue 29).
    assert main.index('class="do-now"') < main.index('id="safety-net"') < main.index(
        "data-topic=")
    assert safety_net() in main[main.index('id="safety-net"'):main.index("data-topic=")]


def test_result_shows_the_clinic_next_step():
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False,
                      "CLINIC_PHONE": "555 0100", "BOOKING_URL": "https://clinic.example/book"})
    client = app.test_client()
    from .conftest import COMPLETE_ANSWERS
    WizardActions(client).complete(COMPLETE_ANSWERS)
    page = text(client.get("/result"))
    assert 'href="tel:5550100"' in page and 'href="/go/booking"' in page
    booking = client.get("/go/booking")  # counted, then on to the clinic's own page
    assert (booking.status_code, booking.location) == (303, "https://clinic.example/book")


def test_print_view_has_answers_guidance_and_disclaimer(wizard, answers):
    wizard.complete(answers)
    page = text(wizard.client.get("/result/print"))
    assert "Your answers" in page and "Herniated, slipped or bulging disc" in page
    assert 'data-topic="bring-your-imaging"' in page
    assert page.index("At a glance") < page.index(safety_net()) < page.index("Your answers")
    assert page.rindex(disclaimer()) > page.rindex("data-topic=")
    articles = re.findall(r"<article .*?</article>", page, re.S)
    asking = [a for a in articles if '<ul class="ask' in a]
    assert asking and all('<ul class="ask ask-write">' in a for a in asking)
    with wizard.client.get("/static/screener.css") as css:
        assert "@media print" in text(css)


def test_jumping_ahead_goes_to_the_first_incomplete_step(wizard, answers):
    wizard.answer_red_flags(answers["red_flags"])
    wizard.answer("age", answers)
    response = wizard.client.get("/step/health")
    assert response.status_code == 302 and response.location == "/step/diagnosis"
    assert wizard.client.get("/result").location == "/step/diagnosis"
    assert wizard.client.get("/review").location == "/step/diagnosis"


@pytest.mark.parametrize("path", ["/step/diagnosis", "/step/goals", "/review", "/result",
                                  "/result/print"])
def test_missing_session_restarts_politely(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.location == "/"
    assert "We could not find your earlier answers" in text(client.get("/"))


@pytest.mark.parametrize("cookie", ["garbage", "eyJ2IjoxfQ.tampered.signature", "", "a" * 3000])
def test_tampered_session_restarts_politely(wizard, answers, cookie):
    wizard.complete(answers)
    wizard.client.set_cookie("screener", cookie)
    response = wizard.client.get("/result")
    assert response.status_code == 302 and response.location == "/"
    assert "We could not find your earlier answers" in text(wizard.client.get("/"))


def test_signed_session_with_invalid_answers_restarts_politely(wizard, answers):
    wizard.complete(answers)
    with wizard.client.session_transaction() as session:
        session["answers"] = {"pain_score": "eleven"}
    assert wizard.client.get("/review").location == "/"


def test_start_over_clears_everything(wizard, answers):
    wizard.complete(answers)
    response = wizard.client.post("/restart")
    assert response.location == "/"
    assert wizard.session_answers() == {}
    assert "Your answers have been cleared." in text(wizard.client.get("/"))
    assert wizard.client.get("/result").location == "/"


def test_unknown_step_is_a_friendly_404(client):
    response = client.get("/step/nope")
    assert response.status_code == 404 and "Page not found" in text(response)


def test_csrf_is_enforced_when_switched_on(answers):
    app = create_app({"TESTING": True, "SECRET_KEY": "test"})
    client = app.test_client()
    rejected = client.post("/step/urgent", data={"red_flags": "none"})
    assert rejected.status_code == 400 and "This page has expired" in text(rejected)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      text(client.get("/step/urgent"))).group(1)
    accepted = client.post("/step/urgent", data={"red_flags": "none", "csrf_token": token})
    assert accepted.status_code == 302 and accepted.location == "/step/urgent-2"


def test_session_cookie_is_httponly_and_samesite(wizard, answers):
    response = wizard.answer("urgent", answers)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie


def test_secure_cookie_is_configurable(monkeypatch):
    monkeypatch.setenv("SCREENER_SESSION_COOKIE_SECURE", "true")
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False})
    response = WizardActions(app.test_client()).answer("urgent", {"red_flags": ["none"]})
    assert "Secure" in response.headers["Set-Cookie"]


def test_secret_key_is_required_outside_tests(monkeypatch):
    monkeypatch.delenv("SCREENER_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SCREENER_SECRET_KEY is not set"):
        create_app()


def test_answers_never_reach_the_logs(wizard, answers, caplog):
    caplog.set_level("DEBUG")
    wizard.complete(answers)
    wizard.client.get("/result")
    logged = caplog.text
    for value in ("herniated_disc", "smoking", "physical_therapy", "open_to_it"):
        assert value not in logged


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=answer_sets())
def test_any_screening_ends_with_the_disclaimer(app, generated):
    client = app.test_client()
    WizardActions(client).complete(generated)
    page = text(client.get("/result"))
    main = page[page.index("<main"): page.index("</main>")]
    assert main.rstrip().endswith("</section>")
    assert disclaimer() in main[main.rindex('id="disclaimer"'):]
    emergency = is_emergency(generated["red_flags"])
    assert (safety_net() in main) is not emergency
    assert form_encode  # the flow posts answers exactly as a browser would


def test_patient_text_download_ends_with_the_disclaimer(wizard, answers):
    wizard.complete(answers)
    response = wizard.client.get("/result/summary.txt")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    assert text(response).rstrip().endswith(disclaimer())


def test_patients_get_no_json_download(wizard, answers):
    wizard.complete(answers)
    assert "summary.json" not in text(wizard.client.get("/result"))
    assert wizard.client.get("/result/summary.json").status_code == 404
    assert wizard.client.get("/result/summary.html").status_code == 404


def test_the_page_script_names_no_question_and_reads_numbers_from_the_markup(wizard, answers):
    from screener.resources import data_dir

    script = (data_dir("static") / "screener.js").read_text(encoding="utf-8")
    assert [qid for qid in QUESTIONS if re.search(rf"\b{qid}\b", script)] == []
    numbers = [q.id for q in QUESTIONS.values() if q.kind == "integer"]
    page_id = PAGE_OF[numbers[0]].id
    wizard.answer_until(page_id, answers)
    page = text(wizard.client.get(f"/step/{page_id}"))
    assert re.search(r'<div class="options options-integer[^"]*" data-number>', page)


def test_a_refused_answer_comes_back_by_get_once_with_what_was_chosen(wizard):
    """Post/Redirect/Get: the refused post redirects to its own page, which shows the
    message and the choices sent, once; a reload shows the page as it was, and nothing
    refused is saved."""
    posted = wizard.client.post("/step/urgent", data={"red_flags": ["none", "bladder_bowel"]})
    assert posted.status_code == 303 and posted.location == "/step/urgent"
    page = text(wizard.shown_again(posted))
    assert 'id="error-summary"' in page
    assert re.search(r'value="?bladder_bowel"?[^>]*checked', page)
    assert re.search(r'value="?none"?[^>]*checked', page)
    again = wizard.client.get("/step/urgent")
    assert again.status_code == 200 and 'id="error-summary"' not in text(again)
    assert "red_flags" not in wizard.session_answers()


def test_a_refused_answer_from_the_review_keeps_the_way_back(wizard, answers):
    wizard.complete(answers)
    posted = wizard.client.post("/step/symptom_duration?return=review", data={})
    assert posted.location == "/step/symptom_duration?return=review"
    assert 'href="/review"' in text(wizard.shown_again(posted))
