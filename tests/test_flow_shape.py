"""The shape of the patient flow: urgent answers interrupt after step 1, one question a page
with specific messages, follow-ups after the answer that asks for them, a confirmed start
over, and a time estimate that matches the words."""

from __future__ import annotations

import re

import pytest

from screener.catalogue.questions import EMERGENCY_VALUES, PAGES, QUESTIONS, STEPS, URGENT_VALUES
from screener.forms import MISSING_MESSAGE

from .conftest import COMPLETE_ANSWERS, WizardActions
from .test_i18n import VisibleText


def text(response) -> str:
    return response.get_data(as_text=True)


def test_urgent_values_are_the_catalogues_non_emergency_red_flags():
    levels = {c.value: c.level for c in QUESTIONS["red_flags"].choices}
    assert URGENT_VALUES == {v for v, level in levels.items() if level == "urgent"}
    assert URGENT_VALUES and not URGENT_VALUES & EMERGENCY_VALUES


@pytest.mark.parametrize("flag", sorted(URGENT_VALUES))
def test_each_urgent_value_gets_urgent_guidance_from_the_rules(ruleset, flag):
    from screener.engine.evaluate import evaluate

    result = evaluate(ruleset, {"red_flags": [flag]})
    assert not result.stopped
    assert any(topic.category == "urgent" for topic in result.topics)


@pytest.mark.parametrize("flag", sorted(URGENT_VALUES))
def test_an_urgent_answer_interrupts_after_step_1(wizard, answers, flag):
    response = wizard.answer("urgent", answers | {"red_flags": [flag]})
    assert response.location == "/see-a-doctor-soon"
    card = text(wizard.client.get(response.location))
    assert "<h1" in card and "See a doctor soon" in card
    assert QUESTIONS["red_flags"].label_of(flag) in card
    assert 'class="topic topic-urgent"' in card
    assert 'href="/step/diagnosis"' in card, "the person may go on"
    assert wizard.client.get("/step/diagnosis").status_code == 200


@pytest.mark.parametrize("partner", ["fever", "infection_risk"])
def test_the_see_a_doctor_soon_card_is_never_shown_for_an_emergency(wizard, answers, partner):
    wizard.answer("urgent", answers | {"red_flags": ["spinal_cord_signs", partner]})
    assert wizard.client.get("/see-a-doctor-soon").location == "/result"


def test_no_urgent_answer_goes_straight_on(wizard, answers):
    assert wizard.answer("urgent", answers).location == "/step/diagnosis"
    assert wizard.client.get("/see-a-doctor-soon").location == "/step/urgent"


def test_an_emergency_answer_still_ends_the_flow_at_once(wizard, answers):
    response = wizard.answer("urgent", {"red_flags": ["chest_pain", "fever"]})
    assert response.location == "/result"


def test_changing_to_an_urgent_answer_from_review_returns_to_review(wizard, answers):
    wizard.complete(answers)
    response = wizard.answer("urgent", {"red_flags": ["fever"]}, returning=True)
    assert response.location == "/see-a-doctor-soon?then=review"
    assert 'href="/review"' in text(wizard.client.get(response.location))


def test_urgent_card_without_a_session_restarts_politely(client):
    assert client.get("/see-a-doctor-soon").location == "/"


def test_no_page_asks_more_than_one_question():
    assert all(len(page.questions) == 1 for page in PAGES)


def test_split_steps_keep_every_question_id_once_and_in_order():
    asked = [qid for step in STEPS for qid in step.questions]
    assert asked == list(QUESTIONS)
    for step in STEPS:
        assert all(QUESTIONS[qid].step == step.id for qid in step.questions)


def test_every_required_question_has_its_own_missing_message():
    required = [q.missing for q in QUESTIONS.values() if q.required]
    assert all(required) and len(set(required)) == len(required)
    assert MISSING_MESSAGE == {q.id: q.missing for q in QUESTIONS.values() if q.missing}


def test_missing_answers_name_what_to_choose(wizard, answers):
    wizard.answer_until("symptom_duration", answers)
    page = text(wizard.client.post("/step/symptom_duration", data={}))
    assert "Choose how long you have had this pain." in page
    assert "Choose one answer." not in page
    summary = page[page.index('id="error-summary"'): page.index("</ul>")]
    assert summary.count("<li>") == 1


def test_follow_ups_come_after_the_answer_that_asks_for_them(wizard, answers):
    wizard.answer_until("treatments", answers)
    page = text(wizard.client.get("/step/treatments"))
    assert 'id="question-treatment_duration"' not in page and "data-shown-when" not in page
    response = wizard.answer("treatments", answers | {"treatments_tried": ["none"]})
    assert response.location == "/step/surgery", "no care tried: no questions about it"
    response = wizard.answer("treatments", answers)
    assert response.location == "/step/treatment_duration"
    assert 'id="question-treatment_duration"' in text(wizard.client.get(response.location))


def test_start_over_asks_first_and_clears_only_when_confirmed(wizard, answers):
    wizard.answer("urgent", answers)
    step = text(wizard.client.get("/step/diagnosis"))
    assert 'href="/restart?back=/step/diagnosis"' in step
    assert step.index('href="/restart') > step.index("</form>"), "apart from Next"
    confirm = text(wizard.client.get("/restart?back=/step/diagnosis"))
    assert 'action="/restart"' in confirm and "Yes, clear my answers" in confirm
    assert 'href="/step/diagnosis">No, keep my answers' in confirm
    assert wizard.session_answers() == {"red_flags": ["none"]}
    wizard.client.post("/restart")
    assert wizard.session_answers() == {}


# ?back= as an attacker would write it in a link (still URL-encoded): each would take the
# patient to another site if it were put in the page as it is.
OFF_SITE = ["/%09/evil.example", "%09//evil.example", "/%0A/evil.example", "/%0D%0A/evil.example",
            "/%00/evil.example", "/%7F/evil.example", "%20//evil.example", "/%20/evil.example",
            "//evil.example", "//evil.example/x", "\\\\evil.example", "/\\evil.example",
            "%5C%5Cevil.example", "/%5Cevil.example", "https:evil.example",
            "https://evil.example", "https://evil.example/", "javascript:alert(1)",
            "JavaScript:alert(1)", "%2F%2Fevil.example", "%252F%252Fevil.example",
            "/%E3%80%82/evil.example", "evil.example", "step/diagnosis", ""]


@pytest.mark.parametrize("back", OFF_SITE)
def test_start_over_goes_back_only_within_the_site(client, back):
    confirm = text(client.get("/restart?back=" + back))
    assert 'href="/">No, keep my answers' in confirm
    links = re.findall(r'href="([^"]*)"', confirm)
    assert links and all(re.fullmatch(r"(/(?![/\\])|#)[!-~]*", link) for link in links), links


@pytest.mark.parametrize("back", ["/step/diagnosis", "/review", "/result?lang=es",
                                  "/step/diagnosis?return=review", "/"])
def test_start_over_goes_back_to_any_page_of_the_site(client, back):
    confirm = text(client.get("/restart", query_string={"back": back}))
    assert f'href="{back}">No, keep my answers' in confirm


def _step_page_words(client, locale: str) -> int:
    """Words a person reads on every question page, every follow-up shown (no script)."""
    wizard = WizardActions(client)
    answers = COMPLETE_ANSWERS | {"prior_surgery": "one", "prior_surgery_when": "gt_5_years",
                                  "prior_surgery_type": ["discectomy"],
                                  "prior_surgery_outcome": "still_better"}
    words = 0
    for each in PAGES:
        page = text(client.get(f"/step/{each.id}"))
        main = page[page.index("<main"): page.index("</main>")]
        words += len(VisibleText.of(main).split())
        wizard.answer(each.id, answers)
    return words


@pytest.mark.parametrize("locale", ["en", "es"])
def test_time_estimate_covers_the_words_to_the_end_of_the_result(app, locale):
    """Every question page and then the result, read at 200 words a minute, fits the
    landing page's estimate (computed from the catalogue's and the rule set's words); the
    pages' own buttons, progress lines and headings get a minute's allowance."""
    client = app.test_client()
    client.get(f"/?lang={locale}")
    words = _step_page_words(client, locale)
    result = text(client.get("/result"))
    words += len(VisibleText.of(result[result.index("<main"): result.index("</main>")]).split())
    low, high = app.extensions["screener.screening"].reading_minutes(locale)
    assert low <= words / 200 <= high + 1, (words, low, high)
    landing = text(client.get("/"))
    landing = VisibleText.of(landing[landing.index("<main"): landing.index("</main>")])
    assert f" {low} " in landing and f" {high} " in landing
