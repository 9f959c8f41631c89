"""The shape of the patient flow: urgent answers interrupt after step 1, one question a page
with specific messages, follow-ups after the answer that asks for them, a confirmed start
over, and a time estimate that matches the words."""

from __future__ import annotations

import re

import pytest

from screener.catalogue.answers import visible_pages
from screener.catalogue.questions import (
    EMERGENCY_VALUES,
    PAGES,
    PARTS,
    QUESTIONS,
    RED_FLAG_PAGES,
    STEPS,
    URGENT_VALUES,
)
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
def test_an_urgent_answer_interrupts_after_the_red_flag_pages(wizard, answers, flag):
    response = wizard.answer_red_flags([flag])
    assert response.location == "/see-a-doctor-soon"
    card = text(wizard.client.get(response.location))
    assert "<h1" in card and "See a doctor soon" in card
    assert QUESTIONS["red_flags"].label_of(flag) in card
    assert 'class="topic topic-urgent"' in card
    assert 'href="/step/age"' in card, "the person may go on"
    assert wizard.client.get("/step/age").status_code == 200


@pytest.mark.parametrize("partner", ["fever", "infection_risk"])
def test_the_see_a_doctor_soon_card_is_never_shown_for_an_emergency(wizard, answers, partner):
    wizard.answer_red_flags(["spinal_cord_signs", partner])
    assert wizard.client.get("/see-a-doctor-soon").location == "/result"


def test_no_urgent_answer_goes_straight_on(wizard, answers):
    assert wizard.answer("urgent", answers).location == "/step/urgent-2"
    assert wizard.client.get("/see-a-doctor-soon").location == "/step/urgent"
    assert wizard.answer_red_flags(answers["red_flags"]).location == "/step/age"
    assert wizard.client.get("/see-a-doctor-soon").location == "/step/urgent"


def test_an_emergency_answer_still_ends_the_flow_at_once(wizard, answers):
    response = wizard.answer_red_flags(["chest_pain", "fever"])
    assert response.location == "/result"


def test_changing_to_an_urgent_answer_from_review_returns_to_review(wizard, answers):
    wizard.complete(answers)
    response = wizard.answer("urgent", {"red_flags": ["fever"]}, returning=True)
    assert response.location == "/step/urgent-2?return=review", "Change walks the pages"
    response = wizard.answer_red_flags(["fever"], returning=True)
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
    page = text(wizard.shown_again(wizard.client.post("/step/symptom_duration", data={})))
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
    wizard.answer_until("diagnosis", answers)
    step = text(wizard.client.get("/step/diagnosis"))
    assert 'href="/restart?back=/step/diagnosis"' in step
    assert step.index('href="/restart') > step.index("</form>"), "apart from Next"
    confirm = text(wizard.client.get("/restart?back=/step/diagnosis"))
    assert 'action="/restart"' in confirm and "Yes, clear my answers" in confirm
    assert 'href="/step/diagnosis">No, keep my answers' in confirm
    assert wizard.session_answers() == {"red_flags": ["none"], "age_band": "40_59"}
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


# The urgent check over three short pages (wording-review.md, section 1).

def test_the_red_flag_pages_show_every_flag_once_emergencies_first():
    shown = [v for page in RED_FLAG_PAGES for v in page.choices if v != "none"]
    assert sorted(shown) == sorted(v for v in QUESTIONS["red_flags"].values if v != "none")
    assert all(page.choices[-1] == "none" for page in RED_FLAG_PAGES)
    last_emergency = max(at for at, p in enumerate(RED_FLAG_PAGES)
                         if EMERGENCY_VALUES & set(p.choices))
    first_urgent = min(at for at, p in enumerate(RED_FLAG_PAGES)
                       if URGENT_VALUES & set(p.choices))
    assert last_emergency <= first_urgent, "no emergency behind a page of urgent values"
    assert RED_FLAG_PAGES[0].choices[:-1] and set(RED_FLAG_PAGES[0].choices[:-1]) <= (
        EMERGENCY_VALUES)


@pytest.mark.parametrize(("ticked", "stored"), [
    ({}, ["none"]),
    ({"urgent-2": ["chest_pain"]}, None),
    ({"urgent-3": ["fever", "trauma"]}, ["fever", "trauma"]),
    ({"urgent-2": ["spinal_cord_signs"], "urgent-3": ["night_pain"]},
     ["spinal_cord_signs", "night_pain"]),
])
def test_the_three_pages_store_one_red_flags_answer(wizard, ticked, stored):
    for page in RED_FLAG_PAGES:
        response = wizard.client.post(f"/step/{page.id}",
                                      data={"red_flags": ticked.get(page.id, ["none"])})
        assert response.status_code == 302
        if response.location == "/result":
            break
    expected = stored or [v for values in ticked.values() for v in values]
    assert wizard.session_answers()["red_flags"] == expected


@pytest.mark.parametrize("page", RED_FLAG_PAGES, ids=lambda p: p.id)
def test_a_blank_red_flag_page_is_an_error_never_a_none(wizard, page):
    for earlier in RED_FLAG_PAGES[:RED_FLAG_PAGES.index(page)]:
        wizard.client.post(f"/step/{earlier.id}", data={"red_flags": ["none"]})
    response = wizard.shown_again(wizard.client.post(f"/step/{page.id}", data={}))
    assert 'id="red_flags-error"' in text(response)


@pytest.mark.parametrize("page", RED_FLAG_PAGES, ids=lambda p: p.id)
def test_each_red_flag_page_refuses_a_flag_it_does_not_show(wizard, page):
    for earlier in RED_FLAG_PAGES[:RED_FLAG_PAGES.index(page)]:
        wizard.client.post(f"/step/{earlier.id}", data={"red_flags": ["none"]})
    elsewhere = next(v for v in QUESTIONS["red_flags"].values if v not in page.choices)
    response = wizard.shown_again(
        wizard.client.post(f"/step/{page.id}", data={"red_flags": [elsewhere]}))
    assert "Choose from the answers shown." in text(response)


@pytest.mark.parametrize("flag", sorted(EMERGENCY_VALUES))
def test_an_emergency_tick_ends_the_flow_on_its_own_page(wizard, flag):
    home = next(p for p in RED_FLAG_PAGES if flag in p.choices)
    for earlier in RED_FLAG_PAGES[:RED_FLAG_PAGES.index(home)]:
        wizard.client.post(f"/step/{earlier.id}", data={"red_flags": ["none"]})
    response = wizard.client.post(f"/step/{home.id}", data={"red_flags": [flag]})
    assert response.location == "/result"
    assert wizard.session_answers()["red_flags"] == [flag]
    for later in RED_FLAG_PAGES[RED_FLAG_PAGES.index(home) + 1:]:
        assert wizard.client.get(f"/step/{later.id}").location == "/result"
    assert 'data-topic="emergency-care"' in text(wizard.client.get("/result"))


def test_a_page_sent_again_shows_what_was_ticked_there(wizard):
    wizard.answer_red_flags(["fever"])
    first = text(wizard.client.get("/step/urgent"))
    assert re.search(r"value=none checked data-exclusive", first), "None of these, as sent"
    third = text(wizard.client.get("/step/urgent-3"))
    assert "value=fever checked" in third and "value=none checked data-exclusive" not in third


def test_the_pages_show_the_reviewed_titles_and_an_or_before_none(wizard):
    wizard.answer("urgent", {"red_flags": ["none"]})
    wizard.answer("urgent-2", {"red_flags": ["none"]})
    for page_id, title in (("urgent", "Do you have any of these right now?"),
                           ("urgent-2", "Do you have any of these right now?"),
                           ("urgent-3", "Do any of these apply to you now?")):
        page = text(wizard.client.get(f"/step/{page_id}"))
        assert f"<h1>{title}</h1>" in page
        assert re.search(r'<p class="options-or">or</p>\s*<label><input type=checkbox '
                         r'name=red_flags value=none', page)
    assert "right now" not in text(wizard.client.get("/step/urgent-3"))


def test_the_review_shows_one_urgent_answer_changed_from_the_first_page(wizard, answers):
    wizard.complete(answers | {"red_flags": ["spinal_cord_signs", "night_pain"]})
    review = text(wizard.client.get("/review"))
    urgent = review[review.index('id="review-urgent"'):review.index("</section>")]
    assert urgent.count('class="answer-row"') == 1
    assert 'href="/step/urgent?return=review"' in urgent
    assert wizard.answer("urgent", {"red_flags": ["none"]}, returning=True).location == (
        "/step/urgent-2?return=review")


# Adults first, and a progress line that never goes back.

def test_the_age_page_comes_right_after_the_urgent_check(wizard, answers):
    assert wizard.answer_red_flags(["none"]).location == "/step/age"


def test_an_under_18_gets_the_adults_only_result_at_once(wizard):
    wizard.answer_red_flags(["fever"])
    response = wizard.answer("age", {"age_band": "under_18"})
    assert response.location == "/result"
    page = text(wizard.client.get("/result"))
    topics = re.findall(r'data-topic="([^"]+)"', page)
    assert set(topics) == {"adults-only", "prompt-medical-review"}
    assert 'id="safety-net"' in page and 'id="disclaimer"' in page
    assert wizard.client.get("/step/diagnosis").location == "/result"
    assert wizard.client.get("/review").location == "/result"


@pytest.mark.parametrize(("age", "offered"), [
    ("18_39", True), ("40_59", True), ("60_74", False), ("75_plus", False)])
def test_pregnancy_is_offered_only_below_60(wizard, answers, age, offered):
    answers = answers | {"age_band": age}
    wizard.answer_until("health", answers)
    page = text(wizard.client.get("/step/health"))
    assert ("value=pregnant" in page) is offered
    response = wizard.answer("health", answers | {"health_factors": ["pregnant"]})
    assert (response.status_code == 302) is offered


def test_follow_up_prompts_read_as_questions():
    for qid in ("imaging_within_12_months", "treatment_duration", "treatment_result"):
        assert not QUESTIONS[qid].prompt.startswith("If "), qid


def test_the_progress_line_never_goes_back(wizard):
    answers = COMPLETE_ANSWERS | {"prior_surgery": "one", "prior_surgery_when": "gt_5_years",
                                  "prior_surgery_type": ["discectomy"],
                                  "prior_surgery_outcome": "still_better"}
    seen = []
    for each in visible_pages(answers):
        page = text(wizard.client.get(f"/step/{each.id}"))
        number, total = map(int, re.search(r"Part (\d+) of (\d+):", page).groups())
        seen.append((number, total))
        wizard.answer(each.id, answers)
    assert {total for _, total in seen} == {len(PARTS)}
    assert [n for n, _ in seen] == sorted(n for n, _ in seen)
    assert seen[0][0] == 1 and seen[-1][0] == len(PARTS)
