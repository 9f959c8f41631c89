"""Headers, limits, secrets and health: what a public clinic website needs."""

from __future__ import annotations

import re
import time

import pytest
from itsdangerous import URLSafeTimedSerializer

from screener.app import create_app
from screener.config import ConfigError
from screener.resources import data_dir

from .conftest import WizardActions

PATHS = ["/", "/step/urgent", "/intake", "/api/v1/questions", "/api/v1/openapi.json",
         "/fhir/Questionnaire", "/healthz", "/no-such-page"]


@pytest.mark.parametrize("path", PATHS)
def test_every_response_carries_the_security_headers(client, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'self'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_static_files_may_be_cached_but_keep_the_headers(client):
    with client.get("/static/screener.css") as response:
        assert response.headers.get("Cache-Control") != "no-store"
        assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_frame_ancestors_comes_from_the_setting():
    app = create_app({"TESTING": True,
                      "FRAME_ANCESTORS": "'self' https://www.clinic.example"})
    csp = app.test_client().get("/").headers["Content-Security-Policy"]
    assert "frame-ancestors 'self' https://www.clinic.example" in csp


def test_templates_have_no_inline_script_or_style():
    for path in data_dir("templates").rglob("*.html"):  # staff/ too
        html = path.read_text()
        assert re.search(r"<script(?![^>]*\bsrc=)", html) is None, path.name
        assert re.search(r"\sstyle=|<style", html) is None, path.name
        assert re.search(r"\son[a-z]+=", html) is None, path.name


@pytest.mark.parametrize("secret", ["secret", "changeme", "short-but-random-9f8e"])
def test_production_refuses_a_weak_secret(monkeypatch, secret):
    monkeypatch.setenv("SCREENER_SECRET_KEY", secret)
    with pytest.raises(ConfigError, match="too weak"):
        create_app()


def test_production_accepts_a_strong_secret(monkeypatch):
    monkeypatch.setenv("SCREENER_SECRET_KEY", "9f" * 32)
    assert create_app().config["SECRET_KEY"] == "9f" * 32


def test_healthz_reports_the_loaded_rules(client, ruleset):
    data = client.get("/healthz").json
    assert data == {"status": "ok", "rules": len(ruleset.rules), "topics": len(ruleset.topics),
                    "ruleset_version": ruleset.version}


def test_api_is_rate_limited_with_a_json_429():
    app = create_app({"TESTING": True, "API_RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    statuses = [client.get("/api/v1/questions").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    limited = client.get("/api/v1/questions")
    assert limited.json["errors"] and "Retry-After" in limited.headers
    assert client.get("/step/urgent").status_code == 200
    assert client.get("/healthz").status_code == 200


def test_oversized_form_is_refused_politely(client):
    response = client.post("/step/urgent", data={"red_flags": "none", "pad": "x" * 70000})
    assert response.status_code == 413 and "Too much was sent" in response.get_data(True)


def test_cookie_signed_with_another_key_restarts_politely(wizard, answers):
    wizard.complete(answers)
    foreign = URLSafeTimedSerializer("another-apps-key", salt="cookie-session",
                                     signer_kwargs={"key_derivation": "hmac",
                                                    "digest_method": "sha1"})
    wizard.client.set_cookie("screener", foreign.dumps({"v": 1, "answers": answers,
                                                        "done": ["urgent"]}))
    response = wizard.client.get("/result")
    assert response.status_code == 302 and response.location == "/"


def test_truncated_cookie_restarts_politely(wizard, answers):
    response = wizard.answer("urgent", answers)
    cookie = response.headers["Set-Cookie"].split(";")[0].split("=", 1)[1]
    wizard.client.set_cookie("screener", cookie[: len(cookie) // 2])
    assert wizard.client.get("/step/diagnosis").location == "/"


def test_proxy_count_trusts_forwarded_addresses():
    app = create_app({"TESTING": True, "PROXY_COUNT": 1})
    seen = {}

    @app.get("/whoami")
    def whoami():
        from flask import request

        seen["ip"] = request.remote_addr
        return ""

    app.test_client().get("/whoami", headers={"X-Forwarded-For": "203.0.113.9"})
    assert seen["ip"] == "203.0.113.9"
    assert WizardActions


def test_assets_are_minified_cached_and_conditional(client):
    css = client.get("/static/screener.css")
    assert css.mimetype == "text/css" and "\n" not in css.get_data(as_text=True)
    assert ".site-header a{" in css.get_data(as_text=True)  # a descendant space survives
    assert css.headers["Cache-Control"] == "public, max-age=3600"
    again = client.get("/static/screener.css", headers={"If-None-Match": css.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/static/missing.css").status_code == 404
    assert client.get("/static/../pyproject.toml").status_code == 404


def test_the_memory_rate_limit_starts_no_thread_per_request_and_still_limits():
    import threading

    from limits import parse
    from limits.strategies import FixedWindowRateLimiter

    from screener.web.ratelimit_storage import SWEEP_SECONDS, ThreadlessMemoryStorage

    storage = ThreadlessMemoryStorage("memory://")
    window = FixedWindowRateLimiter(storage)
    before = set(threading.enumerate())  # other tests' threads may end meanwhile
    assert [window.hit(parse("3 per minute"), "api", "a") for _ in range(4)] == [
        True, True, True, False]
    assert set(threading.enumerate()) - before == set()
    storage.storage["gone"], storage.expirations["gone"] = 1, 0.0
    storage._swept -= SWEEP_SECONDS
    window.hit(parse("3 per minute"), "api", "b")
    assert "gone" not in storage.storage


def test_the_memory_rate_limit_starts_a_new_window_once_the_last_one_expired():
    from limits import parse
    from limits.strategies import FixedWindowRateLimiter

    from screener.web.ratelimit_storage import ThreadlessMemoryStorage

    storage = ThreadlessMemoryStorage("memory://")
    window, limit = FixedWindowRateLimiter(storage), parse("2 per minute")
    assert [window.hit(limit, "api", "a") for _ in range(3)] == [True, True, False]
    key = limit.key_for("api", "a")
    assert window.get_window_stats(limit, "api", "a").remaining == 0
    storage.expirations[key] = 0.0  # the minute is over
    assert window.hit(limit, "api", "a") and storage.storage[key] == 1
    assert storage.expirations[key] > time.time() + 50
