"""What people do: keyboard only, JavaScript off, printing the result."""

from __future__ import annotations

from typing import Any

import pytest

from screener.answers import visible_steps
from screener.disclaimer import disclaimer
from screener.questions import QUESTIONS

from ..conftest import COMPLETE_ANSWERS
from .conftest import Person

pytestmark = pytest.mark.slow

FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  return {visible: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
          html: el.outerHTML.slice(0, 80)};
}"""


class Keyboard:
    """Moves through a page with Tab, Space, arrows and Enter only, checking focus shows."""

    def __init__(self, page) -> None:
        self.page = page

    def tab_to(self, selector: str, text: str | None = None, limit: int = 250) -> None:
        """Press Tab until the focused element matches ``selector`` (and shows ``text``)."""
        for _ in range(limit):
            self.page.keyboard.press("Tab")
            focus = self.page.evaluate(FOCUS_JS)
            if focus is not None:
                assert focus["visible"], f"focus not visible on {focus['html']}"
            if self.page.evaluate(
                    "([s, t]) => document.activeElement.matches(s) && "
                    "(t === null || document.activeElement.textContent.trim() === t)",
                    [selector, text]):
                return
        raise AssertionError(f"Tab never reached {selector}")

    def answer(self, qid: str, value: Any) -> None:
        question = QUESTIONS[qid]
        if self.page.locator(f'input[type="number"][name="{qid}"]').count():
            self.tab_to(f'input[name="{qid}"]')
            self.page.keyboard.type(str(value))
        elif question.kind == "multiple":
            for v in value:
                self.tab_to(f'input[name="{qid}"][value="{v}"]')
                self.page.keyboard.press("Space")
        else:
            self.tab_to(f'input[name="{qid}"]')
            values = [str(v) for v in (question.values or range(11))]
            target = values.index(str(value))
            if target == 0:
                self.page.keyboard.press("Space")
            for _ in range(target):
                self.page.keyboard.press("ArrowDown")

    def press_button(self, name: str) -> None:
        self.tab_to("a, button", text=name)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


def test_whole_patient_flow_by_keyboard(page, base_url):
    keys = Keyboard(page)
    page.goto(base_url + "/")
    keys.press_button("Start the questions")
    for step in visible_steps(COMPLETE_ANSWERS):
        for qid in step.questions:
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
    assert duration.is_visible()
    desktop_page.locator('input[name="treatments_tried"][value="none"]').check()
    assert duration.is_hidden()
    desktop_page.locator('input[name="red_flags"][value="chest_pain"]').check()
    assert desktop_page.locator("#question-diagnosis").is_hidden()


def test_exclusive_option_clears_the_others_with_javascript(page, base_url):
    page.goto(base_url + "/step/urgent")
    page.locator('input[name="red_flags"][value="fever"]').check()
    page.locator('input[name="red_flags"][value="none"]').check()
    assert not page.locator('input[name="red_flags"][value="fever"]').is_checked()


def test_full_screening_without_javascript(no_js_page, base_url):
    person = Person(no_js_page, base_url)
    person.walk(COMPLETE_ANSWERS | {"treatments_tried": ["none"]})
    assert no_js_page.locator('[data-topic="conservative-care-first"]').count() == 1
    assert disclaimer() in no_js_page.locator("#disclaimer").inner_text()


def test_follow_up_questions_show_without_javascript_and_are_ignored(no_js_page, base_url):
    person = Person(no_js_page, base_url)
    no_js_page.goto(base_url + "/step/urgent")
    person.answer_step(COMPLETE_ANSWERS, ["red_flags"])
    assert no_js_page.locator("#question-imaging_within_12_months").is_visible()


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
    pdf = page.pdf()
    assert pdf.startswith(b"%PDF")
