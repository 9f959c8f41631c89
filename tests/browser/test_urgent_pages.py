"""The urgent check in three short pages and adults first (issue 29), in a real browser.

An emergency tick ends the flow on the page where it is ticked; an under-18 meets the
adults-only result right after the age page; the three pages store one red-flag answer.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from screener.catalogue.answers import visible_pages
from screener.catalogue.questions import QUESTIONS, RED_FLAG_PAGES

from ..conftest import COMPLETE_ANSWERS
from .conftest import Person, screenshot

pytestmark = pytest.mark.slow
RED_FLAGS = QUESTIONS["red_flags"]


def _tick(page, values: list[str]) -> None:
    for value in values:
        page.locator(f'input[name="red_flags"][value="{value}"]').check()
    with page.expect_navigation():
        page.get_by_role("button", name="Next").click()


def test_an_emergency_tick_on_the_first_page_reaches_the_emergency_result(page, base_url):
    first = RED_FLAG_PAGES[0]
    page.goto(base_url + f"/step/{first.id}")
    assert page.locator('input[name="red_flags"]').count() == len(first.choices)
    _tick(page, ["bladder_bowel"])
    expect(page).to_have_url(base_url + "/result")
    assert page.locator('[data-topic="emergency-care"]').count() == 1
    assert page.get_by_text(RED_FLAGS.label_of("bladder_bowel")).first.is_visible()
    screenshot(page, "urgent-emergency-from-first-page")
    page.goto(base_url + f"/step/{RED_FLAG_PAGES[1].id}")
    expect(page).to_have_url(base_url + "/result")


def test_an_under_18_sees_the_adults_only_result_right_after_the_age_page(page, base_url):
    page.goto(base_url + f"/step/{RED_FLAG_PAGES[0].id}")
    for _ in RED_FLAG_PAGES:
        _tick(page, ["none"])
    expect(page).to_have_url(base_url + "/step/age")
    page.get_by_label("Under 18").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Next").click()
    expect(page).to_have_url(base_url + "/result")
    assert page.locator('[data-topic="adults-only"]').count() == 1
    assert page.locator("#safety-net").is_visible() and page.locator("#disclaimer").is_visible()
    screenshot(page, "adults-only-after-age")


def test_the_three_pages_store_one_red_flags_answer(page, base_url):
    ticked = {RED_FLAG_PAGES[1].id: ["spinal_cord_signs"],
              RED_FLAG_PAGES[2].id: ["night_pain", "trauma"]}
    page.goto(base_url + f"/step/{RED_FLAG_PAGES[0].id}")
    for each in RED_FLAG_PAGES:
        expect(page).to_have_url(base_url + f"/step/{each.id}")
        _tick(page, ticked.get(each.id, ["none"]))
    expect(page).to_have_url(base_url + "/see-a-doctor-soon")
    answers = COMPLETE_ANSWERS | {"red_flags": [v for vs in ticked.values() for v in vs]}
    person = Person(page, base_url)
    person.follow(page.get_by_role("link", name="Go on with the questions"))
    for each in visible_pages(answers)[len(RED_FLAG_PAGES):]:
        person.answer_step(answers, each.questions)
    expect(page).to_have_url(base_url + "/review")
    urgent = page.locator("section#review-urgent, section[aria-labelledby='review-urgent']")
    assert urgent.locator(".answer-row").count() == 1
    row = urgent.locator(".answer-row dd").first.inner_text()
    for value in answers["red_flags"]:
        assert RED_FLAGS.label_of(value) in row
    urgent.get_by_role("link", name="Change").click()
    expect(page).to_have_url(base_url + f"/step/{RED_FLAG_PAGES[0].id}?return=review")
    expect(page.locator('input[name="red_flags"][value="none"]')).to_be_checked()


def test_no_choice_is_set_apart_by_a_mark_the_page_does_not_explain(phone, base_url):
    """WCAG 1.4.1: the emergency choices are not marked by a coloured bar that nothing on
    the page explains; every choice on each urgent page looks alike until it is ticked
    (what an emergency tick means, the flow itself says: the emergency result at once)."""
    phone.goto(base_url + f"/step/{RED_FLAG_PAGES[0].id}")
    for each in RED_FLAG_PAGES:
        looks = phone.locator(".options > label").evaluate_all(
            "labels => labels.map(l => { const s = getComputedStyle(l);"
            " return [s.borderLeftWidth, s.borderLeftColor, s.backgroundColor].join(' '); })")
        assert len(looks) == len(each.choices) and len(set(looks)) == 1, (each.id, looks)
        if each is not RED_FLAG_PAGES[-1]:
            _tick(phone, ["none"])
