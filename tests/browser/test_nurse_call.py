"""The intake nurse's call in Chromium, by keyboard alone: the caller's details, the red
flags read in groups, the record taking the outcome and the note as they are typed, and
"New call…" keeping the call's summary and asking before it clears anything."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from screener.catalogue.questions import RED_FLAG_GROUPS

from .conftest import Keyboard, screenshot

pytestmark = pytest.mark.slow

WHEN = r"Spine screening call, \d{4}-\d\d-\d\d \d\d:\d\d UTC, taken by "


def test_the_record_takes_outcome_and_note_as_typed_and_new_call_asks_first(
        desktop_page, base_url):
    page, keys = desktop_page, Keyboard(desktop_page)
    page.goto(base_url + "/intake")
    read = page.locator("#question-red_flags ol.read-aloud li")
    assert read.all_inner_texts() == [group.say for group in RED_FLAG_GROUPS]
    keys.tab_to("#caller-name")
    page.keyboard.type("Alex Morgan")
    keys.tab_to("#caller-birth_date")
    page.keyboard.type("1970-01-02")
    keys.answer("red_flags", ["none"])
    keys.answer("diagnosis", ["herniated_disc"])
    keys.press_button("Save as incomplete call")
    assert page.url.endswith("/intake/result")

    summary = page.locator("#summary")
    keys.tab_to("#record-nurse")
    page.keyboard.type("J. Ortiz")
    keys.tab_to("#record-outcome")
    assert page.locator("#record-outcome").input_value() == "ended_early"
    page.keyboard.press("Home")  # "Choose an outcome", then the second outcome down
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.locator("#record-outcome").input_value() == "visit_booked"
    keys.tab_to("#record-note")
    page.keyboard.type("consult booked 12 Dec with Dr Ruiz")
    # No round trip: the copy text already holds what was typed.
    expect(summary).to_have_value(re.compile(r"\nOutcome: Visit booked\n"))
    expect(summary).to_have_value(re.compile(r"\nNote: consult booked 12 Dec with Dr Ruiz\n"))
    typed = summary.input_value()
    assert re.match(WHEN + "J. Ortiz. INCOMPLETE", typed)
    assert "Patient: Alex Morgan, born 1970-01-02\n" in typed
    screenshot(page, "intake-record-live")

    keys.press_button("New call…")
    assert page.url.endswith("/intake/new")
    assert page.get_by_role("heading", level=1).inner_text() == "Start a new call?"
    assert page.locator("#summary").input_value() == typed, "kept as typed, then saved"
    keys.press_button("No, back to the call")
    assert page.url.endswith("/intake/result") and summary.input_value() == typed
    keys.press_button("New call…")
    keys.press_button("Yes, clear it and start a new call")
    assert page.url.endswith("/intake")
    assert page.locator("#caller-name").input_value() == ""
    assert page.locator("input:checked").count() == 0
