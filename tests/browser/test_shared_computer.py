"""The next person at the same browser finds nothing of the last one's answers."""

from __future__ import annotations

import pytest

from ..conftest import COMPLETE_ANSWERS
from ..servers import start_gunicorn
from .conftest import Person, _context

pytestmark = pytest.mark.slow


def reopened(chromium, context):
    """The same profile after the browser was closed: only persistent cookies survive."""
    kept = context.storage_state()
    kept["cookies"] = [c for c in kept["cookies"] if c["expires"] != -1]
    return _context(chromium, storage_state=kept)


def test_closing_the_browser_forgets_the_answers(chromium, base_url):
    first = _context(chromium)
    Person(first.new_page(), base_url).walk(COMPLETE_ANSWERS)
    cookie = next(c for c in first.cookies() if c["name"] == "screener")
    assert cookie["expires"] == -1 and cookie["secure"] and cookie["httpOnly"]

    again = reopened(chromium, first)
    first.close()
    page = again.new_page()
    page.goto(base_url + "/result")
    assert page.url == base_url + "/"
    assert "We could not find your earlier answers" in page.locator(".note").inner_text()
    page.go_back()
    assert "Your information" not in page.content()
    again.close()


@pytest.fixture(scope="module")
def impatient_server(tmp_path_factory, tls):
    """A server that forgets after three seconds without activity."""
    served = start_gunicorn(tmp_path_factory.mktemp("idle"), tls, SESSION_IDLE_MINUTES="0.05")
    yield served.base
    served.stop()


def test_a_walk_away_clears_the_answers_with_a_kind_note(page, impatient_server):
    person = Person(page, impatient_server)
    page.goto(impatient_server + "/step/urgent")
    person.answer_step(COMPLETE_ANSWERS, ["red_flags"])
    assert page.url.endswith("/step/urgent-2")
    page.wait_for_timeout(3500)
    page.reload()
    assert page.url == impatient_server + "/"
    assert "without activity" in page.locator(".note").inner_text()


def test_back_after_start_over_shows_no_answers(page, base_url):
    person = Person(page, base_url)
    person.walk(COMPLETE_ANSWERS)
    person.follow(page.get_by_role("link", name="Start over"))
    person.follow(page.get_by_role("button", name="Yes, clear my answers"))
    assert page.url == base_url + "/"
    assert "Your answers have been cleared" in page.content()
    page.go_back()
    assert page.locator('[data-topic="discuss-miss-with-specialist"]').count() == 0

