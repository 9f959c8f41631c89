"""How clinics deploy it: HTTPS defaults, a TLS proxy in front, embedding on their site."""

from __future__ import annotations

import logging

import pytest
from flask import Flask

from screener.app import create_app
from screener.config import ConfigError
from screener.web.links import make_fixed_url

from .conftest import WizardActions

STRONG = "s" * 16 + "3f9a1c7e" * 4


@pytest.fixture
def production(monkeypatch):
    """Build the app as a server does: no TESTING, no debug, a strong secret."""
    monkeypatch.setenv("SCREENER_SECRET_KEY", STRONG)

    def build(**settings):
        for name, value in settings.items():
            monkeypatch.setenv(f"SCREENER_{name}", value)
        return create_app()

    return build


def first_cookie(app, **environ) -> str:
    client = app.test_client()
    page = client.get("/step/urgent", **environ)
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    base = environ.get("base_url", "http://localhost")
    response = client.post("/step/urgent", data={"red_flags": "none",
                                                 "csrf_token": token.split('"')[0]},
                           headers={"Referer": base + "/step/urgent"}, **environ)
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return response.headers["Set-Cookie"]


def test_cookies_are_secure_by_default_outside_tests(production):
    cookie = first_cookie(production(), base_url="https://localhost")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_tests_and_debug_default_to_plain_http_cookies(wizard):
    assert "Secure" not in wizard.answer("urgent", {"red_flags": ["none"]}).headers["Set-Cookie"]


def test_hsts_only_on_https(production):
    client = production().test_client()
    assert client.get("/", base_url="https://localhost").headers[
        "Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/").headers


@pytest.mark.parametrize("settings, expected", [
    ({"HSTS_MAX_AGE": "63072000", "HSTS_INCLUDE_SUBDOMAINS": "true"},
     "max-age=63072000; includeSubDomains"),
    ({"HSTS_MAX_AGE": "0"}, None),
])
def test_hsts_is_configurable(production, settings, expected):
    response = production(**settings).test_client().get("/", base_url="https://localhost")
    assert response.headers.get("Strict-Transport-Security") == expected


def test_a_tls_proxy_counts_as_https(production):
    client = production(PROXY_COUNT="1").test_client()
    response = client.get("/", headers={"X-Forwarded-Proto": "https"})
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


def test_plain_http_with_secure_cookies_says_so_once(production, caplog):
    client = production().test_client()
    with caplog.at_level(logging.WARNING, logger="screener"):
        client.get("/")
        client.get("/")
    warnings = [r.getMessage() for r in caplog.records if "plain HTTP" in r.getMessage()]
    assert len(warnings) == 1 and "SCREENER_PROXY_COUNT" in warnings[0]


def test_https_gives_no_plain_http_warning(production, caplog):
    with caplog.at_level(logging.WARNING, logger="screener"):
        production().test_client().get("/", base_url="https://localhost")
    assert not [r for r in caplog.records if "plain HTTP" in r.getMessage()]


def test_secure_post_needs_a_same_origin_referer(production):
    """Flask-WTF's strict check stays on; the Referrer-Policy lets browsers satisfy it."""
    client = production().test_client()
    page = client.get("/step/urgent", base_url="https://localhost")
    assert page.headers["Referrer-Policy"] == "same-origin"
    token = page.get_data(as_text=True).split('name="csrf_token" type="hidden" value="')[1]
    data = {"red_flags": "none", "csrf_token": token.split('"')[0]}
    refused = client.post("/step/urgent", data=data, base_url="https://localhost")
    assert refused.status_code == 400
    accepted = client.post("/step/urgent", data=data, base_url="https://localhost",
                           headers={"Referer": "https://localhost/step/urgent"})
    assert accepted.status_code == 302


def test_embedding_is_one_setting(production):
    app = production(EMBED_ORIGINS="https://www.clinic.example https://clinic.example")
    cookie = first_cookie(app, base_url="https://localhost")
    assert "SameSite=None" in cookie and "Secure" in cookie and "Partitioned" in cookie
    page = app.test_client().get("/", base_url="https://localhost")
    assert page.headers["Content-Security-Policy"].endswith(
        "frame-ancestors 'self' https://www.clinic.example https://clinic.example")
    assert ('data-embed-origins="https://www.clinic.example https://clinic.example"'
            in page.get_data(as_text=True))


@pytest.mark.parametrize("origin", ["http://clinic.example", "clinic.example",
                                    "https://clinic.example/page", "*"])
def test_embedding_refuses_what_is_not_an_https_origin(production, origin):
    with pytest.raises(ConfigError, match="SCREENER_EMBED_ORIGINS"):
        production(EMBED_ORIGINS=origin)


def test_compact_inside_a_frame_and_links_leave_the_frame(production):
    app = production(EMBED_ORIGINS="https://clinic.example", BOOKING_URL="https://book.example")
    client = app.test_client()
    framed = client.get("/", base_url="https://localhost",
                        headers={"Sec-Fetch-Dest": "iframe"}).get_data(as_text=True)
    whole = client.get("/", base_url="https://localhost",
                       headers={"Sec-Fetch-Dest": "document"}).get_data(as_text=True)
    assert 'class="brand"' not in framed and 'class="brand"' in whole
    assert "embedded" in framed.split("<body", 1)[1].split(">", 1)[0]


def test_pages_without_embedding_say_nothing_of_it(client):
    assert "data-embed-origins" not in client.get("/").get_data(as_text=True)


def test_emergency_and_booking_links_target_the_top_window():
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": "test",
                      "RATELIMIT_ENABLED": False, "BOOKING_URL": "https://book.example",
                      "CLINIC_PHONE": "555 0100"})
    wizard = WizardActions(app.test_client())
    wizard.answer_red_flags(["chest_pain"])
    emergency = wizard.client.get("/result", follow_redirects=True).get_data(as_text=True)
    assert 'target="_top" href="tel:' in emergency


@pytest.mark.parametrize("prefix", ["", "/spine", "/clinic/screener"])
def test_links_follow_the_path_the_app_is_served_under(app, prefix):
    """Header and footer links are built once per prefix: the same app mounted under
    another path (SCRIPT_NAME) links its own stylesheets and pages, never another's."""
    client = app.test_client()
    for mounted in ("/elsewhere", prefix):  # another prefix first: nothing carries over
        page = client.get("/", environ_overrides={"SCRIPT_NAME": mounted}).get_data(
            as_text=True)
    assert f'href="{prefix}/static/screener.css' in page
    assert f'href="{prefix}/privacy"' in page
    assert "/elsewhere/" not in page


def test_each_app_builds_its_own_links():
    """Two apps in one process, the same endpoint name at different paths: neither is
    handed the other's link."""
    built = {}
    for path in ("/one", "/two"):
        other = Flask(f"app{path[1:]}")
        other.add_url_rule(path, endpoint="page", view_func=lambda: "")
        fixed_url = make_fixed_url()
        with other.test_request_context("/"):
            built[path] = fixed_url("page")
    assert built == {"/one": "/one", "/two": "/two"}
