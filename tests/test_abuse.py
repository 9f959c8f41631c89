"""Arbitrary input to every step, the intake page and the API: never a 5xx, never a result
without the disclaimer, never a change to the stored answers from a rejected post."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from screener.disclaimer import disclaimer
from screener.questions import QUESTIONS, STEPS

from .conftest import COMPLETE_ANSWERS, WizardActions

FIELD_NAMES = st.sampled_from([*QUESTIONS, "csrf_token", "x", "", "red_flags[]", "é" * 3])
VALUES = st.one_of(
    st.sampled_from([v for q in QUESTIONS.values() for v in q.values] + ["", "-1", "11", "7"]),
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=200, max_size=3000),
)
FORM = st.dictionaries(FIELD_NAMES, st.lists(VALUES, min_size=1, max_size=4), max_size=8)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
        st.sampled_from([*QUESTIONS, "x"]) | st.text(max_size=8), inner, max_size=6),
    max_leaves=20,
)
SETTINGS = settings(max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


@pytest.mark.parametrize("step", STEPS, ids=lambda s: s.id)
@SETTINGS
@given(form=FORM)
def test_any_post_to_a_step_is_handled(app, step, form):
    client = app.test_client()
    wizard = WizardActions(client)
    for earlier in STEPS[: STEPS.index(step)]:
        wizard.answer(earlier.id, COMPLETE_ANSWERS)
    before = wizard.session_answers()
    response = client.post(f"/step/{step.id}", data=form)
    assert response.status_code in (302, 413, 422), response.status_code
    if response.status_code != 302:
        assert wizard.session_answers() == before
    if response.status_code == 302 and response.location == "/result":
        assert disclaimer() in client.get("/result").get_data(as_text=True)


@SETTINGS
@given(form=FORM)
def test_any_post_to_the_intake_is_handled(app, form):
    client = app.test_client()
    response = client.post("/intake", data=form)
    assert response.status_code in (302, 413, 422)
    if response.status_code == 302:
        assert disclaimer() in client.get("/intake/result").get_data(as_text=True)
    else:
        with client.session_transaction() as session:
            assert "intake" not in session


@SETTINGS
@given(body=JSON)
def test_any_json_to_the_api_is_handled(client, body):
    for path in ("/api/v1/evaluate", "/fhir/QuestionnaireResponse"):
        response = client.post(path, data=json.dumps(body), content_type="application/json")
        assert response.status_code in (200, 400, 413)
        if response.status_code == 200:
            text = response.get_data(as_text=True)
            assert disclaimer() in text.replace("\\u2019", "’")
        else:
            assert response.json["errors"]


@SETTINGS
@given(raw=st.binary(max_size=2000), content_type=st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", ""]))
def test_any_bytes_to_the_api_are_handled(client, raw, content_type):
    response = client.post("/api/v1/evaluate", data=raw, content_type=content_type)
    assert response.status_code in (200, 400, 413, 415)
