"""Save and come back later in Chromium: save on a middle page, close the browser, come back
in a fresh one with the code typed as people type it, finish; the code then works no more."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from screener.catalogue.answers import visible_pages
from screener.catalogue.questions import PAGE_BY_ID

from ..conftest import COMPLETE_ANSWERS, TEST_DATA_KEYS, migrated_sqlite
from ..servers import start_gunicorn
from .conftest import Person, _context, axe_violations, failed_navigations, screenshot
from .test_pages import MAX_PAGE_BYTES, PAGE_BYTES_JS

pytestmark = pytest.mark.slow

MIDDLE = "symptoms"
CODE = re.compile(r"[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")


@pytest.fixture(scope="module")
def save_server(tmp_path_factory, tls):
    """gunicorn over HTTPS with saving on (and no handoff), over a migrated SQLite file."""
    folder = tmp_path_factory.mktemp("save-return")
    served = start_gunicorn(folder, tls, SAVE_RETURN="true", DATABASE_URL=migrated_sqlite(folder),
                            DATA_KEYS=TEST_DATA_KEYS[0], CLINIC_NAME="Riverside Spine",
                            CLINIC_PHONE="555 0100")
    yield served.base, served.log
    served.stop()


def save_in(page, base: str) -> str:
    """Walk to the middle page, save there; the code the page shows."""
    person = Person(page, base)
    person.walk_to(MIDDLE, COMPLETE_ANSWERS)
    person.follow(page.get_by_role("link", name="Save and come back later"))
    person.follow(page.get_by_role("button", name="Save and get my code"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Your answers are saved")
    return page.locator("[data-return-code]").inner_text()


def finish_from(person: Person, page_id: str) -> None:
    pages = visible_pages(COMPLETE_ANSWERS)
    for step in pages[pages.index(PAGE_BY_ID[page_id]):]:
        person.answer_step(COMPLETE_ANSWERS, step.questions)
    person.follow(person.page.locator("main a.button[href='/result']"))


def test_save_close_the_browser_come_back_with_the_code_and_finish(chromium, save_server):
    base, log = save_server
    first = _context(chromium)
    page = first.new_page()
    failed = failed_navigations(page)
    person = Person(page, base)
    person.walk_to(MIDDLE, COMPLETE_ANSWERS)
    screenshot(page, "save-return-step")
    person.follow(page.get_by_role("link", name="Save and come back later"))
    assert page.url == f"{base}/save?back=/step/{MIDDLE}"
    assert axe_violations(page) == []
    assert page.evaluate(PAGE_BYTES_JS) <= MAX_PAGE_BYTES
    screenshot(page, "save-return-save")
    person.follow(page.get_by_role("button", name="Save and get my code"))
    code = page.locator("[data-return-code]").inner_text()
    assert CODE.fullmatch(code)
    assert "Nobody at Riverside Spine can open" in page.locator("main").inner_text()
    assert axe_violations(page) == []
    assert page.evaluate(PAGE_BYTES_JS) <= MAX_PAGE_BYTES
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    screenshot(page, "save-return-saved")
    page.goto(f"{base}/step/{MIDDLE}")  # this browser kept nothing
    assert page.url == base + "/"
    first.close()

    again = _context(chromium)
    page = again.new_page()
    person = Person(page, base)
    page.goto(base + "/")
    person.follow(page.get_by_role("link", name="Continue a saved screening"))
    assert axe_violations(page) == []
    assert page.evaluate(PAGE_BYTES_JS) <= MAX_PAGE_BYTES
    screenshot(page, "save-return-continue")
    plain = code.replace("-", "").lower()
    page.get_by_label("Your return code").fill(f"{plain[:4]} {plain[4:8]} {plain[8:]}")
    person.follow(page.get_by_role("button", name="Continue"))
    assert page.url == f"{base}/step/{MIDDLE}"
    assert "Welcome back" in page.locator(".note").inner_text()
    finish_from(person, MIDDLE)
    expect(page.get_by_role("heading", level=1)).to_have_text("Your information")

    page.goto(base + "/continue")  # the same code, once more
    page.get_by_label("Your return code").fill(code)
    person.follow(page.get_by_role("button", name="Continue"))
    assert page.url == base + "/continue"
    expect(page.locator("#error-summary")).to_contain_text(
        "We could not open a saved screening with this code")
    assert axe_violations(page) == []
    again.close()
    assert failed == []
    assert code not in log.read_text() and plain not in log.read_text().lower()


def test_the_link_brings_its_code_into_the_form_and_out_of_the_address(page, save_server):
    base, log = save_server
    code = save_in(page, base)
    Person(page, base).follow(page.locator(".return-link a"))
    field = page.get_by_label("Your return code")
    expect(field).to_have_value(code)
    assert page.url == base + "/continue"  # the fragment left the address bar and history
    Person(page, base).follow(page.get_by_role("button", name="Continue"))
    assert page.url == f"{base}/step/{MIDDLE}"
    assert code not in log.read_text()


def test_without_script_the_code_is_typed(no_js_page, save_server):
    base, _ = save_server
    code = save_in(no_js_page, base)
    assert no_js_page.get_by_role("button", name="Copy the code").count() == 0  # hidden
    no_js_page.goto(f"{base}/continue#{code}")
    field = no_js_page.get_by_label("Your return code")
    expect(field).to_have_value("")
    field.fill(code.lower())
    Person(no_js_page, base).follow(no_js_page.get_by_role("button", name="Continue"))
    assert no_js_page.url == f"{base}/step/{MIDDLE}"


def test_espanol_shows_the_same_code_and_i_have_my_code_clears_it(page, save_server):
    """The language link used to lose the code for good (it was shown once): the same
    code in Spanish; "Tengo mi código" clears it; /saved then shows none."""
    base, _ = save_server
    code = save_in(page, base)
    person = Person(page, base)
    person.follow(page.get_by_role("link", name="Español"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Sus respuestas están guardadas")
    expect(page.locator("[data-return-code]")).to_have_text(code)
    person.follow(page.get_by_role("button", name="Tengo mi código"))
    assert page.url == base + "/"
    page.goto(base + "/saved")
    expect(page.locator("[data-return-code]")).to_have_count(0)
    assert code not in page.locator("main").inner_text()


def test_a_malformed_fragment_breaks_no_script(page, save_server):
    """``#%`` cannot be decoded: the form is still there to type in, no script error."""
    base, _ = save_server
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/continue#%E0%A4%A")
    expect(page.get_by_label("Your return code")).to_have_value("")
    assert errors == []
