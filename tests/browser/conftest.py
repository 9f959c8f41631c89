"""Real-browser fixtures: Debian's Chromium driven by Playwright against gunicorn.

In CI (``CI`` set) a missing browser fails the run; elsewhere the browser tests skip.
Screenshots land in ``artifacts/screenshots/`` (see the README).
"""

from __future__ import annotations

import os
import shutil
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
def desktop_page(chromium):
    context = _context(chromium, viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


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
        for qid in question_ids:
            if qid in answers:
                self.choose(qid, answers[qid])
        with self.page.expect_navigation():
            self.page.locator("form.step-form button[type=submit]").click()

    def walk(self, answers: dict[str, Any]) -> None:
        from screener.answers import visible_steps

        self.page.goto(self.base_url + "/")
        self.page.locator("main a.button").click()
        for step in visible_steps(answers):
            self.answer_step(answers, step.questions)
            if self.page.url.endswith("/see-a-doctor-soon"):
                self.page.get_by_role("link", name="Go on with the questions").click()
        if len(visible_steps(answers)) > 1:
            self.page.locator("main a.button[href='/result']").click()


@pytest.fixture
def person(page, base_url) -> Person:
    return Person(page, base_url)


def axe_violations(page) -> list[dict[str, Any]]:
    from axe_playwright_python.sync_playwright import Axe

    result = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
    return [{"id": v["id"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result.response["violations"]]


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
