"""What people do: keyboard only, JavaScript off, printing the result."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from screener.catalogue.answers import visible_pages
from screener.engine.disclaimer import disclaimer

from ..conftest import COMPLETE_ANSWERS
from .conftest import Keyboard, Person, _context

pytestmark = pytest.mark.slow


def test_whole_patient_flow_by_keyboard(page, base_url):
    keys = Keyboard(page)
    page.goto(base_url + "/")
    keys.press_button("Start the questions")
    for each in visible_pages(COMPLETE_ANSWERS):
        for qid in each.questions:
            if qid in COMPLETE_ANSWERS:
                keys.answer(qid, COMPLETE_ANSWERS[qid])
        keys.press_button("Next")
        assert page.locator("#error-summary").count() == 0, page.url
    keys.press_button("See my information")
    assert page.locator('[data-topic="discuss-miss-with-specialist"]').count() == 1
    assert disclaimer() in page.locator("#disclaimer").inner_text()


def test_failed_submit_moves_focus_to_the_error_summary(page, base_url):
    keys = Keyboard(page)
    page.goto(base_url + "/step/urgent")
    keys.press_button("Next")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    keys.tab_to('#error-summary a')
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "red_flags-0"


def test_whole_intake_by_keyboard(desktop_page, base_url):
    keys = Keyboard(desktop_page)
    desktop_page.goto(base_url + "/intake")
    for qid, value in COMPLETE_ANSWERS.items():
        keys.answer(qid, value)
    keys.press_button("Show guidance")
    assert desktop_page.url.endswith("/intake/result")
    assert "miss-after-non-surgical-care" in desktop_page.content()


def test_intake_hides_questions_that_do_not_apply(desktop_page, base_url):
    desktop_page.goto(base_url + "/intake")
    duration = desktop_page.locator("#question-treatment_duration")
    assert duration.is_hidden(), "a follow-up waits for the answer it depends on"
    desktop_page.locator('input[name="treatments_tried"][value="physical_therapy"]').check()
    assert duration.is_visible()
    desktop_page.locator('input[name="treatments_tried"][value="none"]').check()
    assert duration.is_hidden()
    desktop_page.locator('input[name="red_flags"][value="chest_pain"]').check()
    assert desktop_page.locator("#question-diagnosis").is_hidden()


def test_exclusive_option_clears_the_others_with_javascript(page, base_url):
    page.goto(base_url + "/step/urgent")
    page.locator('input[name="red_flags"][value="bladder_bowel"]').check()
    page.locator('input[name="red_flags"][value="none"]').check()
    assert not page.locator('input[name="red_flags"][value="bladder_bowel"]').is_checked()


def test_full_screening_without_javascript(no_js_page, base_url):
    person = Person(no_js_page, base_url)
    person.walk(COMPLETE_ANSWERS | {"treatments_tried": ["none"]})
    assert no_js_page.locator('[data-topic="conservative-care-first"]').count() == 1
    assert disclaimer() in no_js_page.locator("#disclaimer").inner_text()


def test_buttons_that_need_a_script_stay_hidden_without_javascript(no_js_page, base_url):
    """``hidden`` wins over a button class's ``display``: no dead "Print" without a script."""
    Person(no_js_page, base_url).walk(COMPLETE_ANSWERS)
    no_js_page.goto(base_url + "/result/print")
    assert no_js_page.locator("button[data-print]").count() == 1
    expect(no_js_page.locator("button[data-print]")).to_be_hidden()


def test_follow_ups_come_after_their_answer_without_javascript(no_js_page, base_url):
    person = Person(no_js_page, base_url)
    no_js_page.goto(base_url + "/step/urgent")
    for qid, value in (("red_flags", ["none"]), ("red_flags", ["none"]),
                       ("red_flags", ["none"]), ("age_band", "40_59"),
                       ("diagnosis", ["herniated_disc"]), ("imaging", ["none"])):
        person.answer_step({qid: value}, [qid])
    assert no_js_page.url.endswith("/step/symptoms"), "no scan: nothing asked about its date"
    no_js_page.goto(base_url + "/step/imaging")
    no_js_page.locator('input[name="imaging"][value="none"]').uncheck()
    person.answer_step({"imaging": ["mri"]}, ["imaging"])
    assert no_js_page.url.endswith("/step/imaging_within_12_months")
    assert no_js_page.locator("#question-imaging_within_12_months").is_visible()


# Each question the patient could ask has a line to write the answer on, in print only.
WRITING_ROOM_JS = """() => [...document.querySelectorAll('.ask-write > li')].map(li => {
  const after = getComputedStyle(li, '::after');
  return after.content !== 'none' && parseFloat(after.width) > 0
    && after.borderBottomStyle === 'solid';
})"""


def test_printed_result_has_answers_guidance_and_disclaimer_only(person, page):
    person.walk(COMPLETE_ANSWERS)
    page.emulate_media(media="print")
    for hidden in (".site-header", ".restart", ".actions", "button"):
        for element in page.locator(hidden).all():
            assert element.is_hidden(), hidden
    assert page.get_by_role("heading", name="Your answers").is_visible()
    assert page.get_by_text("Herniated, slipped or bulging disc").is_visible()
    assert page.locator('[data-topic="bring-your-imaging"]').is_visible()
    assert page.locator("#disclaimer").is_visible()
    assert page.evaluate(WRITING_ROOM_JS) == [True] * page.locator(".ask-write > li").count()
    page.emulate_media(media="screen")
    assert set(page.evaluate(WRITING_ROOM_JS)) == {False}
    page.emulate_media(media="print")
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")


def test_follow_ups_come_after_the_answer_that_asks_for_them(page, base_url):
    person = Person(page, base_url)
    person.walk_to("treatments", COMPLETE_ANSWERS)
    assert page.locator("#question-treatment_duration").count() == 0
    short = page.evaluate("document.documentElement.scrollHeight")
    page.locator('input[name="treatments_tried"][value="medication"]').check()
    assert page.evaluate("document.documentElement.scrollHeight") == short, "no jump"
    person.answer_step({}, [])
    assert page.url.endswith("/step/treatment_duration")
    expect(page.locator("#question-treatment_duration")).to_be_visible()
    page.go_back()
    page.locator('input[name="treatments_tried"][value="medication"]').uncheck()
    person.answer_step({"treatments_tried": ["none"]}, ["treatments_tried"])
    assert page.url.endswith("/step/surgery"), "no care tried: nothing asked about it"


def test_urgent_answer_interrupts_then_the_person_goes_on_by_keyboard(page, base_url):
    keys = Keyboard(page)
    page.goto(base_url + "/step/urgent")
    for _ in range(2):  # the emergency pages: "None of these"
        keys.answer("red_flags", ["none"])
        keys.press_button("Next")
    keys.answer("red_flags", ["night_pain"])
    keys.press_button("Next")
    assert page.url.endswith("/see-a-doctor-soon")
    assert page.get_by_role("heading", level=1).inner_text() == "See a doctor soon"
    assert page.get_by_role("link", name="Call Our spine clinic 555 0100").is_visible()
    keys.press_button("Go on with the questions")
    assert page.url.endswith("/step/age")


def test_start_over_asks_first_by_keyboard(page, base_url):
    keys = Keyboard(page)
    person = Person(page, base_url)
    page.goto(base_url + "/step/urgent")
    person.answer_step(COMPLETE_ANSWERS, ["red_flags"])
    keys.press_button("Start over")
    keys.press_button("No, keep my answers")
    assert page.url.endswith("/step/urgent-2")
    keys.press_button("Start over")
    keys.press_button("Yes, clear my answers")
    assert page.url == base_url + "/"
    assert page.get_by_text("Your answers have been cleared.").is_visible()


def test_start_over_sits_apart_from_next(page, base_url):
    page.goto(base_url + "/step/urgent")
    next_box = page.get_by_role("button", name="Next").bounding_box()
    start_over = page.get_by_role("link", name="Start over").bounding_box()
    assert start_over["y"] - (next_box["y"] + next_box["height"]) >= 48
    assert start_over["width"] < 200, "a plain link, not a full-width button"


def test_start_over_confirms_without_javascript(no_js_page, base_url):
    person = Person(no_js_page, base_url)
    no_js_page.goto(base_url + "/step/urgent")
    person.answer_step(COMPLETE_ANSWERS, ["red_flags"])
    no_js_page.get_by_role("link", name="Start over").click()
    no_js_page.get_by_role("button", name="Yes, clear my answers").click()
    expect(no_js_page).to_have_url(base_url + "/")


def test_folded_explainers_open_by_keyboard_and_without_javascript(no_js_page, page, base_url):
    for browser_page in (no_js_page, page):
        Person(browser_page, base_url).walk(COMPLETE_ANSWERS)
        folded = browser_page.locator('details[data-topic="what-is-miss"]')
        body = folded.locator("p").first
        assert body.is_hidden()
        folded.locator("summary").focus()
        browser_page.keyboard.press("Enter")
        assert body.is_visible()


def test_what_to_do_now_is_on_the_first_phone_screen(person, page):
    person.walk(COMPLETE_ANSWERS)
    box = page.locator(".do-now").bounding_box()
    assert box["y"] + box["height"] <= 800
    assert page.locator(".do-now").get_by_role("link", name="Call Our spine clinic 555 0100") \
        .is_visible()


@pytest.mark.parametrize("width", [320, 375])
def test_pain_scale_is_two_even_rows_with_labels_at_the_ends(chromium, base_url, width):
    context = _context(chromium, viewport={"width": width, "height": 800})
    page = context.new_page()
    person = Person(page, base_url)
    person.walk_to("pain", COMPLETE_ANSWERS)
    boxes = [page.locator(f'input[name="pain_score"][value="{n}"]').locator("..").bounding_box()
             for n in range(11)]
    rows = sorted({round(b["y"]) for b in boxes})
    assert len(rows) == 2
    assert [round(b["y"]) for b in boxes[:6]] == [rows[0]] * 6
    widths = [b["width"] for b in boxes]
    assert max(widths) - min(widths) < 1, "even boxes"
    low = page.locator(".scale-low").bounding_box()
    high = page.locator(".scale-high").bounding_box()
    high_text = page.locator(".scale-high").evaluate(
        "e => { const r = document.createRange(); r.selectNodeContents(e);"
        " return r.getBoundingClientRect().right; }")
    assert abs(low["x"] - boxes[0]["x"]) < 4 and low["y"] < boxes[0]["y"]
    assert abs(high_text - (boxes[10]["x"] + boxes[10]["width"])) < 4
    assert high["y"] > boxes[10]["y"]
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    context.close()


def test_intake_shows_the_nurse_an_emergency_script(desktop_page, base_url):
    desktop_page.goto(base_url + "/intake")
    script = desktop_page.locator("#emergency-script")
    assert script.is_hidden()
    desktop_page.locator('input[name="red_flags"][value="chest_pain"]').check()
    assert script.is_visible() and "call 911 now" in script.inner_text()
    with desktop_page.context.expect_page() as opened:
        desktop_page.locator("#intake-urgent ~ .why-link a").click()
    why = opened.value
    why.wait_for_load_state()
    assert why.url.endswith("/intake/why#why-urgent")
    assert why.get_by_text("Some symptoms need a doctor now", exact=False).is_visible()
    assert desktop_page.locator('input[value="chest_pain"]').is_checked(), "the call stays"


def test_intake_script_shows_for_spinal_cord_signs_with_a_fever(desktop_page, base_url):
    desktop_page.goto(base_url + "/intake")
    script = desktop_page.locator("#emergency-script")
    desktop_page.locator('input[name="red_flags"][value="spinal_cord_signs"]').check()
    assert script.is_hidden() and desktop_page.locator("#question-diagnosis").is_visible()
    desktop_page.locator('input[name="red_flags"][value="fever"]').check()
    assert script.is_visible() and "for an ambulance" in script.inner_text()
    assert desktop_page.locator("#question-diagnosis").is_hidden()


def test_nurse_records_an_incomplete_call_by_keyboard(desktop_page, base_url):
    keys = Keyboard(desktop_page)
    desktop_page.goto(base_url + "/intake")
    keys.answer("red_flags", ["none"])
    keys.press_button("Save as incomplete call")
    assert desktop_page.url.endswith("/intake/result")
    keys.tab_to("#record-nurse")
    desktop_page.keyboard.type("JO")
    keys.tab_to("#record-note")
    desktop_page.keyboard.type("Caller had to go.")
    keys.press_button("Add to the summary")
    summary = desktop_page.locator("#summary").input_value()
    assert "INCOMPLETE" in summary and "taken by JO" in summary
    assert "Note: Caller had to go." in summary
