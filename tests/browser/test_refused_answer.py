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
