"""The FHIR round trip with a real FHIR forms client: LHC-Forms in Chromium renders the
screener's Questionnaire on a clinic's page, shows what the pages show, and the
QuestionnaireResponse it builds comes back as the same guidance as ``evaluate``."""

from __future__ import annotations

import os
from typing import Any

import pytest
from playwright.sync_api import expect

from screener.catalogue.answers import validate_answers, visible_questions
from screener.catalogue.questions import QUESTIONS
from screener.config import DEFAULTS
from screener.engine.evaluate import evaluate
from screener.exports.fhir import DISCLAIMER_LINK_ID, coding_system, emergency_link_id
from screener.exports.fhir_guidance import TOPIC_SYSTEM

from ..conftest import COMPLETE_ANSWERS
from .conftest import screenshot
from .lforms_host import fetch_lforms, serve

pytestmark = pytest.mark.slow

ANSWER_SETS: dict[str, dict[str, Any]] = {
    "ordinary": COMPLETE_ANSWERS,
    "emergency": {"red_flags": ["chest_pain"]},
    "urgent-after-surgery": COMPLETE_ANSWERS | {
        "red_flags": ["fever", "trauma"], "imaging": ["none"], "treatments_tried": ["none"],
        "prior_surgery": "one", "prior_surgery_when": "lt_6_months",
        "prior_surgery_type": ["fusion"], "prior_surgery_outcome": "improved_then_returned",
        "health_factors": ["none"], "goals": ["sleep", "sports"]},
}
for _unused in ("imaging_within_12_months", "treatment_duration", "treatment_result"):
    ANSWER_SETS["urgent-after-surgery"].pop(_unused)


@pytest.fixture(scope="session")
def clinic_url(base_url, tls):
    if not fetch_lforms():
        if os.environ.get("CI"):
            pytest.fail("LHC-Forms could not be fetched (make lforms): CI must run this test")
        pytest.skip("LHC-Forms is not fetched (make lforms needs npm)")
    server = serve(base_url, str(tls.ca))
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


LOADING_MS = 30_000


class Form:
    """LHC-Forms on the clinic's page, driven by clicks as a patient would."""

    def __init__(self, page, url: str, query: str = "") -> None:
        self.page, self.query = page, query
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.goto(url)
        # Each test's fresh browser downloads and compiles LHC-Forms (3 MB) again: on a busy
        # machine that alone can take longer than the usual 5 s.
        page.wait_for_function("() => window.LForms && LForms.Util && LForms.Util.getFormFHIRData",
                               timeout=LOADING_MS)
        page.evaluate("query => clinic.load(query)", query)
        page.locator("wc-lhc-form .lhc-form-title").wait_for(timeout=LOADING_MS)

    @property
    def questionnaire(self) -> dict[str, Any]:
        return self.page.evaluate("() => window.questionnaire")

    def shown_questions(self) -> list[str]:
        """The linkIds of the questions LHC-Forms shows now, in order."""
        ids = self.page.eval_on_selector_all(
            "lhc-item.lhc-item-question", "items => items.map(item => item.id)")
        link_ids = [item_id.removeprefix("item-").split("/")[0] for item_id in ids]
        return [link_id for link_id in link_ids if link_id in QUESTIONS]

    def expect_shown(self, link_id: str, shown: bool = True, any_item: bool = False) -> None:
        """Wait until LHC-Forms shows (or hides) a question (``any_item``: any item, such
        as a display message): it redraws after a click, so reading the questions at once
        can see the form before the click took effect."""
        kind = "" if any_item else ".lhc-item-question"
        items = self.page.locator(f'lhc-item{kind}[id^="item-{link_id}/"]')
        if shown:
            expect(items).not_to_have_count(0)
        else:
            expect(items).to_have_count(0)

    def shows(self, link_id: str) -> bool:
        return self.page.locator(f'lhc-item[id^="item-{link_id}/"]').count() > 0

    def choose(self, question_id: str, value: Any) -> None:
        question = QUESTIONS[question_id]
        if question.kind == "integer":
            self.page.locator(f'input[id^="{question_id}/"]').fill(str(value))
            self.page.keyboard.press("Tab")
            return
        for code in value if isinstance(value, list) else [value]:
            self.page.locator(f'label[id$="|{coding_system(question_id)}|{code}"]').click()

    def answer(self, answers: dict[str, Any]) -> None:
        """Answer each question as it appears, in the order the pages ask them."""
        for question in visible_questions(answers):
            if question.id in answers:
                self.choose(question.id, answers[question.id])

    def response(self) -> dict[str, Any]:
        return self.page.evaluate("() => clinic.response()")

    def submit(self, response: dict[str, Any]) -> dict[str, Any]:
        return self.page.evaluate("([response, query]) => clinic.submit(response, query)",
                                  [response, self.query])


def _topic_codes(bundle: dict[str, Any]) -> list[str]:
    composition = bundle["entry"][0]["resource"]
    return [coding["code"] for section in composition["section"]
            for coding in section["code"]["coding"] if coding["system"] == TOPIC_SYSTEM]


def test_lhc_forms_renders_the_questionnaire_with_nothing_but_the_first_question(
        page, clinic_url):
    form = Form(page, clinic_url)
    assert form.shown_questions() == ["red_flags"]
    assert not form.shows(emergency_link_id("red_flags"))
    form.expect_shown(DISCLAIMER_LINK_ID, any_item=True)
    assert form.page.locator(".lhc-help-button").count() == 1
    questionnaire = form.questionnaire
    assert questionnaire["url"] == DEFAULTS["FHIR_CANONICAL"]
    assert clinic_url.rstrip("/") not in str(questionnaire)
    screenshot(page, "lhc-forms-start")
    assert form.errors == []


@pytest.mark.parametrize("name", ANSWER_SETS)
def test_lhc_forms_response_gets_the_same_guidance_as_evaluate(page, clinic_url, ruleset,
                                                               name):
    answers = ANSWER_SETS[name]
    form = Form(page, clinic_url)
    form.answer(answers)
    expected = validate_answers(answers)
    assert form.shown_questions() == [q.id for q in visible_questions(expected)]
    screenshot(page, f"lhc-forms-{name}")
    reply = form.submit(form.response())
    assert (reply["status"], reply["type"]) == (200, "application/fhir+json"), reply["body"]
    assert _topic_codes(reply["body"]) == [t.id for t in evaluate(ruleset, expected).topics]
    shown = page.locator("#guidance li").all_inner_texts()
    assert shown[-1] == "Important" and len(shown) >= len(_topic_codes(reply["body"])) + 1
    assert form.errors == []


def test_an_emergency_answer_shows_what_to_do_now_and_hides_the_rest(page, clinic_url):
    form = Form(page, clinic_url)
    form.choose("red_flags", ["fever"])
    form.expect_shown("diagnosis")
    assert "diagnosis" in form.shown_questions()
    form.choose("red_flags", ["saddle_numbness"])
    form.expect_shown("diagnosis", False)
    assert form.shown_questions() == ["red_flags"]
    message = next(item for group in form.questionnaire["item"] for item in group.get("item", [])
                   if item["linkId"] == emergency_link_id("red_flags"))["text"]
    shown = page.locator(f'lhc-item[id^="item-{emergency_link_id("red_flags")}/"]')
    expect(shown).to_be_visible()
    expect(shown).to_have_text(message)


def test_spinal_cord_signs_with_a_fever_end_the_form_as_an_emergency(page, clinic_url):
    """The pair is an emergency (SDC enableWhenExpression): the rest hides as soon as both
    are ticked, and comes back when the fever is unticked."""
    form = Form(page, clinic_url)
    form.choose("red_flags", ["spinal_cord_signs"])
    form.expect_shown("diagnosis")
    assert "diagnosis" in form.shown_questions()
    assert not form.shows(emergency_link_id("red_flags"))
    form.choose("red_flags", ["fever"])
    form.expect_shown("diagnosis", False)
    assert form.shown_questions() == ["red_flags"]
    form.expect_shown(emergency_link_id("red_flags"), any_item=True)
    form.choose("red_flags", ["fever"])
    form.expect_shown("diagnosis")
    assert "diagnosis" in form.shown_questions()
    assert form.errors == []


def test_spanish_form_keeps_the_codes_and_gets_spanish_guidance(page, clinic_url, ruleset):
    form = Form(page, clinic_url, "?lang=es")
    assert page.get_by_text("¿Tiene alguno de estos síntomas ahora?", exact=True).is_visible()
    form.answer(COMPLETE_ANSWERS)
    reply = form.submit(form.response())
    assert reply["status"] == 200, reply["body"]
    expected = evaluate(ruleset, validate_answers(COMPLETE_ANSWERS), locale="es")
    assert _topic_codes(reply["body"]) == [t.id for t in expected.topics]
    assert reply["body"]["entry"][0]["resource"]["language"] == "es"
    assert page.locator("#guidance li").last.inner_text() == "Importante"


def test_a_response_with_an_unknown_link_id_gets_an_operation_outcome(page, clinic_url):
    form = Form(page, clinic_url)
    form.answer(COMPLETE_ANSWERS)
    response = form.response()
    response["item"].append({"linkId": "mystery", "answer": [{"valueInteger": 1}]})
    reply = form.submit(response)
    assert reply["status"] == 422
    assert reply["body"]["resourceType"] == "OperationOutcome"
    assert reply["body"]["issue"][0]["expression"] == ["mystery"]
