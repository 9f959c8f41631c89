"""A complete screening over real HTTPS against gunicorn, and through nginx as deployed,
with CSRF's strict Referer check on, as a clinic runs it."""

from __future__ import annotations

import json
import re
import time
import uuid

import pytest
import requests

from screener.catalogue.answers import visible_pages
from screener.catalogue.split import page_answers
from screener.engine.disclaimer import disclaimer

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


def screen(browser: requests.Session, base: str, answers: dict) -> requests.Response:
    """Every page as a browser posts it (same-origin Referer), then the result."""
    assert browser.get(base + "/", timeout=5).status_code == 200
    for each in visible_pages(answers):
        page = browser.get(f"{base}/step/{each.id}", timeout=5)
        assert page.status_code == 200, each.id
        posted = form_encode({k: v for k, v in page_answers(each, answers).items()
                              if k in each.questions})
        response = browser.post(f"{base}/step/{each.id}", timeout=5, allow_redirects=False,
                                headers={"Referer": page.url},
                                data=posted | {"csrf_token": csrf_token(page.text)})
        assert response.status_code == 302, (each.id, response.text[:500])
    assert "Check your answers" in browser.get(base + "/review", timeout=5).text
    return browser.get(base + "/result", timeout=5)


def test_complete_screening_over_https(live_server, https, answers):
    base, log = live_server
    browser = https
    result = screen(browser, base, answers)
    assert result.status_code == 200
    assert 'data-topic="discuss-miss-with-specialist"' in result.text
    assert disclaimer() in result.text
    cookie = next(c for c in browser.cookies if c.name == "screener")
    assert cookie.has_nonstandard_attr("HttpOnly")
    assert cookie.secure
    logged = wait_for_line(log, '"path": "/result"')
    access = [json.loads(line) for line in logged.splitlines() if line.startswith("{")]
    assert {"method": "GET", "path": "/result", "status": 200}.items() <= next(
        entry for entry in access if entry["path"] == "/result").items()
    for value in ("herniated_disc", "physical_therapy", "smoking", "open_to_it"):
        assert value not in logged


def test_post_without_csrf_token_is_refused_politely(live_server, https):
    base, _ = live_server
    response = https.post(base + "/step/urgent", data={"red_flags": "none"}, timeout=5)
    assert response.status_code == 400
    assert "This page has expired" in response.text


@pytest.mark.parametrize("referer, status", [
    (None, 400),  # the strict check stays on: a secure post must say where it came from
    ("https://elsewhere.example/step/urgent", 400),
    ("{base}/step/urgent", 302),
])
def test_strict_referer_check_guards_secure_posts(live_server, https, referer, status):
    base, _ = live_server
    page = https.get(base + "/step/urgent", timeout=5)
    headers = {"Referer": referer.format(base=base)} if referer else {}
    response = https.post(base + "/step/urgent", headers=headers, allow_redirects=False,
                          data={"red_flags": "none", "csrf_token": csrf_token(page.text)})
    assert response.status_code == status


def test_https_pages_send_hsts_and_a_same_origin_referrer_policy(live_server, https):
    response = https.get(live_server[0] + "/", timeout=5)
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_screening_completes_through_nginx(behind_nginx, https, answers):
    base, log = behind_nginx
    result = screen(https, base, answers)
    assert 'data-topic="discuss-miss-with-specialist"' in result.text
    assert result.headers["Strict-Transport-Security"].startswith("max-age=")
    assert next(c for c in https.cookies if c.name == "screener").secure
    # With PROXY_COUNT=1 the app sees the client, not nginx, and never a forged address.
    probe = f"/forwarded-{uuid.uuid4().hex}"  # its own line: the log has older ones
    https.get(base + probe, headers={"X-Forwarded-For": "203.0.113.9"}, timeout=5)
    entries = [json.loads(line) for line in wait_for_line(log, probe).splitlines()
               if line.startswith("{")]
    assert [entry["remote"] for entry in entries if entry["path"] == probe] == ["127.0.0.0"]
    assert {entry["remote"] for entry in entries} == {"127.0.0.0"}  # the network only


def test_access_log_is_one_escaped_line_per_request_without_the_full_address(live_server,
                                                                            https):
    base, log = live_server
    https.get(base + "/zq9%0Aforged%22line%1b", timeout=5)
    text = wait_for_line(log, "zq9\\nforged")
    lines = [line for line in text.splitlines() if "zq9" in line or "forged" in line]
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["path"] == '/zq9\nforged"line\x1b' and entry["status"] == 404
    assert entry["remote"] == "127.0.0.0" and "bytes" not in entry


def test_a_start_with_workers_counting_alone_says_so(live_server):
    _, log = live_server
    assert "each of the 2 workers counts alone" in log.read_text()


def test_metrics_add_up_every_worker_and_the_usage_counts(live_server, https):
    """Two gunicorn workers: /metrics sums both (prometheus multiprocess mode), and the
    usage counts come from the database they share."""
    base, _ = live_server
    for _ in range(20):
        https.get(base + "/healthz", timeout=5)
    https.get(base + "/step/urgent", timeout=5)
    body = https.get(base + "/metrics", timeout=5).text
    served = re.search(r'screener_http_requests_total\{endpoint="ops.healthz",method="GET",'
                       r'status="200"\} ([0-9.]+)', body)
    assert served and float(served.group(1)) >= 20
    assert re.search(r'screener_usage_events_total\{event="started"\} [1-9]', body)
    assert https.get(base + "/readyz", timeout=5).json()["status"] == "ready"
    behind_a_proxy = https.get(base + "/metrics", timeout=5,
                                headers={"X-Forwarded-For": "203.0.113.9"})
    assert behind_a_proxy.status_code == 404
