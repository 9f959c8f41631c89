"""A patient sends their answers to the clinic in Chromium, reads the code, withdraws."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ..conftest import COMPLETE_ANSWERS
from .conftest import Person, axe_violations, failed_navigations, screenshot

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


@pytest.fixture(scope="module")
def handoff_behind_nginx(tmp_path_factory, tls):
    """The handoff as deployed: nginx terminating TLS in front of gunicorn on plain HTTP."""
    from ..conftest import require, start_handoff_server
    from ..servers import start_nginx

    require("nginx", "nginx")
    folder = tmp_path_factory.mktemp("handoff-proxied")
    app, _ = start_handoff_server(folder, None, PROXY_COUNT="1")
    proxy = start_nginx(folder, app.base.removeprefix("http://"), tls)
    yield proxy.base
    proxy.stop()
    app.stop()


def test_back_after_a_failed_send_shows_the_form_never_a_resubmission(page,
                                                                      handoff_behind_nginx):
    """Post/Redirect/Get: a send with a problem redirects to the form's GET, so Back to
    it, or from the sent page, never meets "Confirm Form Resubmission" (ERR_CACHE_MISS)."""
    base = handoff_behind_nginx
    person = Person(page, base)
    person.walk(COMPLETE_ANSWERS)
    heading = page.get_by_role("heading", level=1)
    person.follow(page.get_by_role("link", name="Send my answers to Riverside Spine"))
    page.get_by_label("Your name").fill("Rosalind Quimbleworth")
    page.get_by_label("Phone number").fill("call me")
    person.follow(page.get_by_role("button", name="Send my answers"))
    assert page.url == base + "/send"
    expect(page.locator("#error-summary")).to_contain_text("using digits")
    assert page.get_by_label("Your name").input_value() == "Rosalind Quimbleworth"
    failed = failed_navigations(page)
    person.follow(page.get_by_role("link", name="Back to your information"))
    page.go_back()  # to the failed send: raises on net::ERR_CACHE_MISS
    assert page.url == base + "/send"
    expect(heading).to_have_text("Send my answers to Riverside Spine")
    page.reload()
    expect(heading).to_have_text("Send my answers to Riverside Spine")
    page.get_by_label("Your name").fill("Rosalind Quimbleworth")
    page.get_by_label("Phone number").fill("555 0147 2299")
    page.get_by_label("Evening", exact=False).check()
    page.get_by_label("I have read this", exact=False).check()
    person.follow(page.get_by_role("button", name="Send my answers"))
    expect(heading).to_have_text("Your answers were sent to Riverside Spine")
    page.go_back()  # the send is not offered twice: back to the code, never a resend
    expect(heading).to_have_text("Your answers were sent to Riverside Spine")
    assert failed == []
