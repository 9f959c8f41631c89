"""Odd input from anyone on the internet: never a 5xx, never a reply larger than needed."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.app import create_app
from screener.catalogue.answers import MAX_PROBLEMS

from .conftest import COMPLETE_ANSWERS, WizardActions

SAMPLE_ARGS = {"step_id": "urgent", "fmt": "txt", "filename": "screener.css", "token": "x" * 43,
               "sid": "x" * 22, "account_id": "x" * 22, "change": "reset", "slug": "summary",
               "ext": "txt"}
# Names url_for would take as its own, names the views read, and anything else.
PARAM_NAMES = st.sampled_from(["endpoint", "_method", "_external", "_anchor", "_scheme",
                               "step_id", "fmt", "filename", "lang", "return", "values"]) | \
    st.text(min_size=1, max_size=10)
PARAMS = st.dictionaries(PARAM_NAMES, st.text(max_size=30), min_size=1, max_size=5)
HEADERS = st.dictionaries(
    st.sampled_from(["Accept-Language", "Accept", "Sec-Fetch-Dest", "X-Forwarded-For",
                     "X-Forwarded-Proto", "Referer", "Cookie", "If-None-Match", "Range"]),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=60),
    max_size=4)


def get_routes() -> list[str]:
    app = create_app({"TESTING": True})
    routes = []
    for rule in app.url_map.iter_rules():
        if "GET" in (rule.methods or ()):
            routes.append(rule.build({k: SAMPLE_ARGS[k] for k in rule.arguments})[1])
    return sorted(set(routes))


ROUTES = get_routes()


@pytest.fixture(scope="module")
def screened_client():
    """A client with a finished screening, so result pages render fully."""
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "RATELIMIT_ENABLED": False,
                      "PROXY_COUNT": 1})
    client = app.test_client()
    WizardActions(client).complete(COMPLETE_ANSWERS)
    return client


@pytest.mark.parametrize("route", ROUTES)
@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=PARAMS, headers=HEADERS)
def test_no_query_parameter_or_header_gives_a_5xx(screened_client, route, params, headers):
    response = screened_client.get(route, query_string=params, headers=headers)
    assert response.status_code < 500, (route, params, headers)


@pytest.mark.parametrize("path", ["/?endpoint=x", "/?_method=DELETE", "/step/urgent?step_id=x",
                                  "/intake?endpoint=x"])
def test_the_language_switch_keeps_only_what_it_knows(client, path):
    page = client.get(path).get_data(as_text=True)
    assert "?lang=es" in page and "endpoint=" not in page and "_method" not in page


def test_the_language_switch_keeps_the_way_back_to_review(client):
    assert "return=review" in client.get("/step/urgent?return=review").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/evaluate", "/fhir/QuestionnaireResponse"])
@pytest.mark.parametrize("depth", [50, 900, 5000])
def test_deeply_nested_json_gets_a_short_4xx(client, path, depth):
    body = '{"red_flags": ' + "[" * depth + "]" * depth + "}"
    response = client.post(path, data=body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert len(response.data) < 2000


def test_many_unknown_values_get_a_few_short_errors(client):
    body = json.dumps({"red_flags": [f"v{i}" for i in range(6500)]})
    assert len(body) > 50_000
    response = client.post("/api/v1/evaluate", data=body, content_type="application/json")
    errors = response.get_json()["errors"]
    assert response.status_code == 400
    assert len(errors) == MAX_PROBLEMS + 1 and errors[-1].startswith("... and ")
    assert len(response.data) < 5000


def test_huge_values_are_not_echoed(client):
    body = json.dumps({"x" * 20_000: 1, "daily_impact": "y" * 20_000})
    response = client.post("/api/v1/evaluate", data=body, content_type="application/json")
    assert response.status_code == 400 and len(response.data) < 2000


@pytest.mark.parametrize("route", ROUTES)
def test_no_response_with_the_session_is_cacheable_by_others(screened_client, route):
    response = screened_client.get(route)
    cache = response.headers.get("Cache-Control", "")
    if "Set-Cookie" in response.headers or route.startswith(("/result", "/review", "/intake")):
        assert "no-store" in cache or "private" in cache, (route, cache)
    if "public" in cache:
        assert "Set-Cookie" not in response.headers, route
