"""A complete screening over real HTTP against gunicorn, CSRF switched on."""

from __future__ import annotations

import json
import re
import time

import pytest
import requests

from screener.answers import visible_steps
from screener.disclaimer import disclaimer

from .conftest import form_encode

pytestmark = pytest.mark.slow


def csrf_token(page: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)


def wait_for_line(log, fragment: str, seconds: float = 10) -> str:
    """The log once ``fragment`` shows in it (gunicorn writes from another process)."""
    deadline = time.monotonic() + seconds
    while fragment not in (text := log.read_text()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return text


def test_complete_screening_over_http(live_server, answers):
    base, log = live_server
    browser = requests.Session()
    assert browser.get(base + "/", timeout=5).status_code == 200
    for step in visible_steps(answers):
        page = browser.get(f"{base}/step/{step.id}", timeout=5)
        assert page.status_code == 200, step.id
        posted = form_encode({k: v for k, v in answers.items() if k in step.questions})
        response = browser.post(f"{base}/step/{step.id}", timeout=5, allow_redirects=False,
                                data=posted | {"csrf_token": csrf_token(page.text)})
        assert response.status_code == 302, (step.id, response.text[:500])
    assert "Check your answers" in browser.get(base + "/review", timeout=5).text
    result = browser.get(base + "/result", timeout=5)
    assert result.status_code == 200
    assert 'data-topic="discuss-miss-with-specialist"' in result.text
    assert disclaimer() in result.text
    cookie = next(c for c in browser.cookies if c.name == "screener")
    assert cookie.has_nonstandard_attr("HttpOnly")
    logged = wait_for_line(log, '"path": "/result"')
    access = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert {"method": "GET", "path": "/result", "status": 200}.items() <= next(
        entry for entry in access if entry["path"] == "/result").items()
    for value in ("herniated_disc", "physical_therapy", "smoking", "open_to_it"):
        assert value not in logged


def test_post_without_csrf_token_is_refused_politely(live_server):
    base, _ = live_server
    response = requests.post(base + "/step/urgent", data={"red_flags": "none"}, timeout=5)
    assert response.status_code == 400
    assert "This page has expired" in response.text
