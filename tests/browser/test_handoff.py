"""A patient sends their answers to the clinic in Chromium, reads the code, withdraws."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..conftest import COMPLETE_ANSWERS
from .conftest import Person, axe_violations, screenshot

pytestmark = pytest.mark.slow


@pytest.fixture
def handoff_person(page, handoff_server) -> Person:
    return Person(page, handoff_server[0])


def test_a_patient_sends_reads_the_code_and_withdraws(handoff_person, page):
    handoff_person.walk(COMPLETE_ANSWERS)
    heading = page.get_by_role("heading", level=1)
    page.get_by_role("link", name="Send my answers to Riverside Spine").click()
    expect(heading).to_have_text("Send my answers to Riverside Spine")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Send my answers").click()  # nothing filled in yet
    expect(page.locator("#error-summary")).to_be_focused()
    page.get_by_label("Your name").fill("Rosalind Quimbleworth")
    page.get_by_label("Phone number").fill("555 0147 2299")
    page.get_by_label("Evening", exact=False).check()
    page.get_by_label("Anything the nurse should know", exact=False).fill("After 5")
    assert page.locator("#note-count").inner_text() == "293 characters left"
    page.get_by_label("I have read this", exact=False).check()
    screenshot(page, "handoff-send")
    page.get_by_role("button", name="Send my answers").click()
    expect(heading).to_have_text("Your answers were sent to Riverside Spine")
    code = page.locator("[data-reference]").inner_text()
    assert re.fullmatch(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", code)
    assert axe_violations(page) == []
    screenshot(page, "handoff-sent")
    page.get_by_role("button", name="Withdraw what I sent").click()
    expect(heading).to_have_text("Withdrawn")
    assert "withdrawn and deleted" in page.locator("main").inner_text()
    page.goto(handoff_person.base_url + "/withdraw")  # later, with the code and phone
    page.get_by_label("Reference code").fill(code.lower())
    page.get_by_label("Phone number you gave").fill("555 0147 2299")
    page.get_by_role("button", name="Withdraw").click()
    expect(page.locator("main")).to_contain_text("If the reference code and phone number match")
    assert axe_violations(page) == []
