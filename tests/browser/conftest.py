"""Real-browser fixtures: Debian's Chromium driven by Playwright against gunicorn.

In CI (``CI`` set) a missing browser fails the run; elsewhere the browser tests skip.
Screenshots land in ``artifacts/screenshots/`` (see the README).
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="session")
def chromium():
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Debian's chromium is missing: CI must run the browser tests")
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    return live_server[0]


def _context(chromium, **options: Any):
    """A fresh browser profile; the test CA's certificates are accepted as a real CA's."""
    options.setdefault("viewport", {"width": 375, "height": 800})
    context = chromium.new_context(ignore_https_errors=True, **options)
    context.set_default_timeout(5000)
    return context


@pytest.fixture
def page(chromium):
    context = _context(chromium)
    yield context.new_page()
    context.close()


@pytest.fixture
def no_js_page(chromium):
    context = _context(chromium, java_script_enabled=False)
    yield context.new_page()
    context.close()


@pytest.fixture
def phone(chromium):
    """A page the size of a small phone's screen (375 x 667), for what shows first."""
    context = _context(chromium, viewport={"width": 375, "height": 667})
    yield context.new_page()
    context.close()


@pytest.fixture
def desktop_page(chromium):
    context = _context(chromium, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@dataclass
class StaffServer:
    """gunicorn with the handoff on, and the test's own ``Store`` over the same SQLite file
    (same data key and secret key), to make accounts and submissions directly."""

    base: str
    log: Path
    url: str
    store: Any


@pytest.fixture(scope="session")
def staff_server(tmp_path_factory, tls):
    from screener.store.service import Store

    from ..conftest import TEST_DATA_KEYS, start_handoff_server
    from ..servers import SECRET

    # Every browser test signs in afresh from 127.0.0.1: the per-client limit stays out
    # of the way (the waits after failures per email and address are kept as configured).
    served, url = start_handoff_server(tmp_path_factory.mktemp("staff-server"), tls,
                                       STAFF_SIGN_IN_RATE_LIMIT="1000 per minute")
    store = Store(url, TEST_DATA_KEYS[0], SECRET)
    yield StaffServer(served.base, served.log, url, store)
    store.dispose()
    served.stop()


class Person:
    """Fills the patient flow with the mouse, as most people on a phone would tap."""

    def __init__(self, page, base_url: str) -> None:
        self.page = page
        self.base_url = base_url

    def choose(self, qid: str, value: Any) -> None:
        number = self.page.locator(f'input[type="number"][name="{qid}"]')
        if number.count():
            number.fill(str(value))
            return
        values = value if isinstance(value, list) else [value]
        for v in values:
            self.page.locator(f'input[name="{qid}"][value="{v}"]').check()

    def answer_step(self, answers: dict[str, Any], question_ids) -> None:
        """Tick ``answers`` on the page open now; on a page showing part of a list (the red
        flags), the part it shows, or its "None of these"."""
        from screener.catalogue.questions import PAGE_BY_ID
        from screener.catalogue.split import page_answers

        shown = PAGE_BY_ID.get(self.page.url.split("?")[0].rsplit("/step/", 1)[-1])
        if shown is not None:
            answers = page_answers(shown, answers)
        for qid in question_ids:
            if qid in answers:
                self.choose(qid, answers[qid])
        self.follow(self.page.locator("form.step-form button[type=submit]"))

    def walk(self, answers: dict[str, Any]) -> None:
        from screener.catalogue.answers import visible_pages

        self.page.goto(self.base_url + "/")
        self.follow(self.page.locator("main a.button"))
        for page in visible_pages(answers):
            self.answer_step(answers, page.questions)
            if self.page.url.endswith("/see-a-doctor-soon"):
                self.follow(self.page.get_by_role("link", name="Go on with the questions"))
        if len(visible_pages(answers)) > 1:
            self.follow(self.page.locator("main a.button[href='/result']"))

    def walk_to(self, page_id: str, answers: dict[str, Any]) -> None:
        """From the first page, answer every page before ``page_id`` as a person would."""
        from screener.catalogue.answers import visible_pages
        from screener.catalogue.questions import PAGE_BY_ID

        self.page.goto(self.base_url + "/step/urgent")
        pages = visible_pages(answers)
        for page in pages[: pages.index(PAGE_BY_ID[page_id])]:
            self.answer_step(answers, page.questions)
        assert self.page.url.endswith(f"/step/{page_id}"), self.page.url

    def follow(self, link) -> None:
        """Click a link or button and wait for the page it opens, so that what comes
        next reads the new page, not the old one."""
        with self.page.expect_navigation():
            link.click()


@pytest.fixture
def person(page, base_url) -> Person:
    return Person(page, base_url)


FOCUS_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  const s = getComputedStyle(el);
  return {visible: s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
          html: el.outerHTML.slice(0, 80)};
}"""
MATCHES_JS = """([s, t]) => { const el = document.activeElement;
  return !!el && el.matches(s) && (t === null || el.textContent.trim() === t); }"""


class Keyboard:
    """Moves through a page with Tab, Shift+Tab, Space, arrows and Enter only, checking
    that focus shows on every element it lands on."""

    def __init__(self, page) -> None:
        self.page = page

    def tab_to(self, selector: str, text: str | None = None, limit: int = 250,
               back: bool = False) -> None:
        """Press Tab (Shift+Tab when ``back``) until the focused element matches
        ``selector`` (and shows ``text``)."""
        for _ in range(limit):
            self.page.keyboard.press("Shift+Tab" if back else "Tab")
            focus = self.page.evaluate(FOCUS_JS)
            if focus is not None:
                assert focus["visible"], f"focus not visible on {focus['html']}"
            if self.page.evaluate(MATCHES_JS, [selector, text]):
                return
        raise AssertionError(f"Tab never reached {selector}")

    def answer(self, qid: str, value: Any) -> None:
        from screener.catalogue.questions import QUESTIONS

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
        self.follow("a, button", text=name)

    def follow(self, selector: str, text: str | None = None, back: bool = False) -> None:
        """Tab to a link or button and press Enter on it; waits for the next page."""
        self.tab_to(selector, text=text, back=back)
        with self.page.expect_navigation():
            self.page.keyboard.press("Enter")


def failed_navigations(page) -> list[str]:
    """Every page load that fails from now on, as "URL: reason", filled in as they happen.

    Only navigations count: a favicon or stylesheet still loading when the test moves on is
    aborted by the browser (net::ERR_ABORTED), which says nothing about the page.
    """
    failed: list[str] = []
    page.on("requestfailed", lambda request: failed.append(
        f"{request.url}: {request.failure}") if request.is_navigation_request() else None)
    return failed


def axe_violations(page) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [{"id": v["id"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result.response["violations"]]


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
