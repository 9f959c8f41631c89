"""Arbitrary input to every step, the intake page and the API: never a 5xx, never a result
without the disclaimer, never a change to the stored answers from a rejected post."""

from __future__ import annotations

import json

import pytest
from fhir.resources.R4B.operationoutcome import OperationOutcome
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from screener.catalogue.questions import QUESTIONS, STEPS
from screener.config import DEFAULTS
from screener.engine.disclaimer import disclaimer
from screener.exports.fhir import DISCLAIMER_LINK_ID, coding_system, group_link_id, versioned

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
@example(form={"red_flags": ["bladder_bowel", "bladder_bowel"]})  # found by CI's run
@example(form={"red_flags": ["none", "none"]})
def test_any_post_to_a_step_is_handled(app, step, form):
    client = app.test_client()
    wizard = WizardActions(client)
    for earlier in STEPS[: STEPS.index(step)]:
        wizard.answer(earlier.id, COMPLETE_ANSWERS)
    before = wizard.session_answers()
    response = client.post(f"/step/{step.id}", data=form)
    assert response.status_code in (302, 303, 413), response.status_code
    if response.status_code == 303:  # refused: the page again by GET, what was sent shown
        assert response.location == f"/step/{step.id}"
        assert client.get(response.location).status_code == 422
    if response.status_code != 302:
        assert wizard.session_answers() == before
    if response.status_code == 302 and response.location == "/result":
        assert disclaimer() in client.get("/result").get_data(as_text=True)


@pytest.mark.parametrize(("ticked", "lands"), [
    (["bladder_bowel", "bladder_bowel"], "/result"),  # an emergency: its result at once
    (["none", "none"], "/step/urgent-2"),
])
def test_a_box_sent_twice_counts_as_one_tick(client, ticked, lands):
    """No browser sends a box twice, but a refusal the page cannot show again (its kept
    answer holds one bit per box) would be a message-less refusal."""
    response = client.post("/step/urgent", data={"red_flags": ticked})
    assert (response.status_code, response.location) == (302, lands)


@SETTINGS
@given(form=FORM)
def test_any_post_to_the_intake_is_handled(app, form):
    client = app.test_client()
    response = client.post("/intake", data=form)
    assert response.status_code in (302, 303, 413)
    if response.status_code == 302:
        assert disclaimer() in client.get("/intake/result").get_data(as_text=True)
    else:
        if response.status_code == 303:  # refused: the page again by GET, what was sent shown
            assert response.location == "/intake"
            assert client.get(response.location).status_code == 422
        with client.session_transaction() as session:
            assert "intake" not in session


@SETTINGS
@given(body=JSON)
def test_any_json_to_the_api_is_handled(client, body):
    response = client.post("/api/v1/evaluate", data=json.dumps(body),
                           content_type="application/json")
    assert response.status_code in (200, 400, 413)
    if response.status_code == 200:
        text = response.get_data(as_text=True)
        assert disclaimer() in text.replace("\\u2019", "’")
    else:
        assert response.json["errors"]


def _fhir_answer() -> st.SearchStrategy[dict]:
    codes = st.sampled_from([v for q in QUESTIONS.values() for v in q.values] + ["x", ""])
    systems = st.sampled_from([coding_system(q) for q in QUESTIONS] + ["http://loinc.org"])
    return st.one_of(
        st.builds(lambda system, code: {"valueCoding": {"system": system, "code": code}},
                  systems, codes),
        st.builds(lambda n: {"valueInteger": n}, st.integers(-5, 15)),
        st.dictionaries(st.sampled_from(["valueString", "valueBoolean", "x"]), JSON,
                        max_size=2))


LINK_IDS = st.sampled_from([*QUESTIONS, *(group_link_id(s.id) for s in STEPS),
                            DISCLAIMER_LINK_ID, "mystery", ""])
FHIR_ITEMS = st.recursive(
    st.fixed_dictionaries({"linkId": LINK_IDS},
                          optional={"answer": st.lists(_fhir_answer(), max_size=3)}),
    lambda inner: st.fixed_dictionaries({"linkId": LINK_IDS, "item": st.lists(inner, max_size=4)}),
    max_leaves=12)
FHIR_RESPONSES = st.fixed_dictionaries(
    {"resourceType": st.just("QuestionnaireResponse"),
     "status": st.sampled_from(["completed", "in-progress", "amended", "nonsense"]),
     "item": st.lists(FHIR_ITEMS, max_size=6)},
    optional={"questionnaire": st.sampled_from([
        versioned(DEFAULTS["FHIR_CANONICAL"]), DEFAULTS["FHIR_CANONICAL"], "x|1"]),
        "language": st.sampled_from(["es", "en-GB", "xx"]), "extra": JSON})


@SETTINGS
@given(body=JSON | FHIR_RESPONSES)
def test_any_json_to_the_fhir_endpoint_is_handled(client, body):
    response = client.post("/fhir/QuestionnaireResponse", data=json.dumps(body),
                           content_type="application/fhir+json")
    assert response.status_code in (200, 400, 413, 422)
    if response.status_code == 200:
        sections = response.json["entry"][0]["resource"]["section"]
        assert sections[-1]["code"]["coding"][0]["code"] == "disclaimer"
    else:
        OperationOutcome.model_validate(response.json)


@SETTINGS
@given(raw=st.binary(max_size=2000), content_type=st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", ""]))
def test_any_bytes_to_the_api_are_handled(client, raw, content_type):
    response = client.post("/api/v1/evaluate", data=raw, content_type=content_type)
    assert response.status_code in (200, 400, 413, 415)
