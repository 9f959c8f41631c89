"""Post/Redirect/Get on the question pages: a refused answer comes back by GET, so Back and
reload never meet "Confirm Form Resubmission" (net::ERR_CACHE_MISS)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from ..conftest import COMPLETE_ANSWERS
from .conftest import Person, failed_navigations

pytestmark = pytest.mark.slow


def test_back_after_a_refused_answer_shows_the_page_never_a_resubmission(page, base_url):
    person = Person(page, base_url)
    page.goto(base_url + "/step/urgent")
    heading = page.get_by_role("heading", level=1)
    title = heading.inner_text()
    person.follow(page.locator("form.step-form button[type=submit]"))  # nothing chosen
    assert page.url == base_url + "/step/urgent"
    expect(page.locator("#error-summary")).to_be_visible()
    page.reload()  # a GET: reloads without asking, and the message was shown once
    expect(page.locator("#error-summary")).to_have_count(0)
    person.follow(page.locator("form.step-form button[type=submit]"))
    expect(page.locator("#error-summary")).to_be_visible()
    person.answer_step(COMPLETE_ANSWERS, ["red_flags"])
    assert page.url == base_url + "/step/urgent-2"
    failed = failed_navigations(page)
    page.go_back()  # to the page that refused: raises on net::ERR_CACHE_MISS
    assert page.url == base_url + "/step/urgent"
    expect(heading).to_have_text(title)
    assert failed == []


def test_back_after_a_refused_intake_shows_the_form_never_a_resubmission(desktop_page,
                                                                          base_url):
    page = desktop_page
    page.goto(base_url + "/intake")
    page.locator("#question-red_flags input[value=none]").check()
    with page.expect_navigation():
        page.get_by_role("button", name="Show guidance").click()  # most answers missing
    assert page.url == base_url + "/intake"
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#question-red_flags input[value=none]")).to_be_checked()
    page.reload()  # a GET: no question asked, and the messages were shown once
    expect(page.locator("#error-summary")).to_have_count(0)
    with page.expect_navigation():
        page.get_by_role("button", name="Show guidance").click()
    expect(page.locator("#error-summary")).to_be_visible()
    failed = failed_navigations(page)
    page.goto(base_url + "/intake/why")
    page.go_back()  # to the page that refused: raises on net::ERR_CACHE_MISS
    assert page.url == base_url + "/intake"
    expect(page.get_by_role("heading", level=1)).to_have_text("Intake call")
    assert failed == []


def test_back_after_a_refused_sign_in_shows_the_form_never_a_resubmission(page,
                                                                           staff_server):
    from ..staffkit import make_person_in

    base = staff_server.base
    nurse = make_person_in(staff_server.store, "back-button@riverside.example", "nurse")
    page.goto(base + "/staff/sign-in")
    page.get_by_label("Email").fill(nurse.email)
    page.get_by_label("Password").fill(nurse.password + "x")
    with page.expect_navigation():
        page.get_by_role("button", name="Next").click()
    assert page.url == base + "/staff/sign-in"
    expect(page.locator("[role=alert]")).to_contain_text("email, password or code is not right")
    expect(page.get_by_label("Email")).to_have_value(nurse.email)
    expect(page.get_by_label("Password")).to_have_value("")
    failed = failed_navigations(page)
    page.goto(base + "/staff/sign-in?next=/staff/")
    page.go_back()  # to the refused sign-in's page: a GET, shown again without asking
    assert page.url == base + "/staff/sign-in"
    expect(page.get_by_role("heading", level=1)).to_have_text("Staff sign-in")
    expect(page.locator("[role=alert]")).to_have_count(0)  # the message was shown once
    assert failed == []
