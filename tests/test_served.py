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


def test_metrics_add_up_every_worker_and_the_usage_counts(live_server):
    """Two gunicorn workers: /metrics sums both (prometheus multiprocess mode), and the
    usage counts come from the database they share."""
    base, _ = live_server
    for _ in range(20):
        requests.get(base + "/healthz", timeout=5)
    requests.Session().get(base + "/step/urgent", timeout=5)
    body = requests.get(base + "/metrics", timeout=5).text
    served = re.search(r'screener_http_requests_total\{endpoint="ops.healthz",method="GET",'
                       r'status="200"\} ([0-9.]+)', body)
    assert served and float(served.group(1)) >= 20
    assert re.search(r'screener_usage_events_total\{event="started"\} [1-9]', body)
    assert requests.get(base + "/readyz", timeout=5).json()["status"] == "ready"
    behind_a_proxy = requests.get(base + "/metrics", timeout=5,
                                  headers={"X-Forwarded-For": "203.0.113.9"})
    assert behind_a_proxy.status_code == 404
