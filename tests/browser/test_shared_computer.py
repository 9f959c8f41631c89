"""The next person at the same browser finds nothing of the last one's answers."""

from __future__ import annotations

import threading
import time

import pytest

from screener.app import create_app
from screener.web import state

from ..conftest import COMPLETE_ANSWERS
from .conftest import Person, _context, screenshot

_real_time = time.time

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


class SessionClock:
    """The session's clock (``state.time``), moved on by the test instead of waiting."""

    def __init__(self) -> None:
        self.ahead = 0.0

    def time(self) -> float:
        return _real_time() + self.ahead

    def advance(self, minutes: float) -> None:
        self.ahead += minutes * 60


@pytest.fixture
def session_clock(monkeypatch) -> SessionClock:
    clock = SessionClock()
    monkeypatch.setattr(state, "time", clock)
    return clock


@pytest.fixture(scope="module")
def in_process_server(tls):
    """The app in this process (werkzeug over TLS, CSRF on), so a test can move the
    session's clock; a gunicorn worker's clock is out of reach."""
    from werkzeug.serving import make_server

    app = create_app({"SECRET_KEY": "in-process-" + "x" * 40, "RATELIMIT_ENABLED": False,
                      "CLINIC_PHONE": "555 0100"})
    server = make_server("127.0.0.1", 0, app, threaded=True,
                         ssl_context=(str(tls.cert), str(tls.key)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join()


@pytest.mark.parametrize("limit", ["idle", "total"])
def test_a_post_after_the_time_limit_lands_on_the_time_out_page(page, in_process_server,
                                                                 session_clock, limit):
    base = in_process_server
    person = Person(page, base)
    page.goto(base + "/step/urgent")
    person.answer_step(COMPLETE_ANSWERS, ["red_flags"])
    assert page.url == base + "/step/urgent-2"
    if limit == "total":
        for _ in range(7):  # active all along, never 20 minutes idle
            session_clock.advance(15)
            page.reload()
            assert page.url == base + "/step/urgent-2"
        session_clock.advance(16)  # 121 minutes in all
    else:
        session_clock.advance(21)
    person.choose("red_flags", ["none"])
    statuses: list[int] = []
    page.on("response", lambda response: response.request.is_navigation_request()
            and statuses.append(response.status))  # not the icon, fetched when it likes
    person.follow(page.locator("form.step-form button[type=submit]"))  # the form's token
    assert page.url == base + "/timed-out"                             # went with the session
    assert statuses[:2] == [303, 200] and 400 not in statuses
    main = page.locator("main").inner_text()
    assert "Your answers were cleared" in main and "shared device" in main
    assert "20 minutes without activity, and after 120 minutes in all" in main
    assert "kept" not in main and "expired" not in main
    screenshot(page, "timed-out")
    person.follow(page.get_by_role("link", name="Start again"))
    assert page.url == base + "/step/urgent"
    assert page.locator("input[name=red_flags]:checked").count() == 0


def test_back_after_start_over_shows_no_answers(page, base_url):
    person = Person(page, base_url)
    person.walk(COMPLETE_ANSWERS)
    person.follow(page.get_by_role("link", name="Start over"))
    person.follow(page.get_by_role("button", name="Yes, clear my answers"))
    assert page.url == base_url + "/"
    assert "Your answers have been cleared" in page.content()
    page.go_back()
    assert page.locator('[data-topic="discuss-miss-with-specialist"]').count() == 0

