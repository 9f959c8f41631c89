"""The API description is exact: what its answer schema accepts the API accepts, what it
refuses the API refuses, and schemathesis (every check, valid and invalid data) finds
nothing against /api/v1/openapi.json."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator
from schemathesis.checks import CHECKS, load_all_checks

from screener.app import create_app
from screener.catalogue.answers import AnswersError, validate_answers
from screener.catalogue.questions import QUESTIONS, Question
from screener.exports.openapi import openapi_document

from .conftest import answer_sets

VALIDATOR = Draft202012Validator({"$ref": "#/components/schemas/Answers"} | openapi_document())


def _any_value(question: Question) -> st.SearchStrategy[Any]:
    """Any value of the right type, exclusive combinations included."""
    if question.kind == "integer":
        return st.integers(question.minimum, question.maximum)
    if question.kind == "single":
        return st.sampled_from(question.values)
    return st.lists(st.sampled_from(question.values), min_size=1, unique=True)


@st.composite
def near_answer_sets(draw: st.DrawFn) -> dict[str, Any]:
    """A real answer set, then answers dropped, changed or added anywhere: the sets where
    "which questions are asked" decides whether the API accepts them."""
    answers = draw(answer_sets())
    for question in QUESTIONS.values():
        action = draw(st.sampled_from(["keep", "keep", "keep", "drop", "set"]))
        if action == "drop":
            answers.pop(question.id, None)
        elif action == "set":
            answers[question.id] = draw(_any_value(question))
    return answers


def api_accepts(answers: dict[str, Any]) -> bool:
    try:
        validate_answers(answers)
    except AnswersError:
        return False
    return True


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=near_answer_sets())
def test_the_schema_and_the_api_agree_on_every_answer_set(answers):
    assert VALIDATOR.is_valid(answers) == api_accepts(answers), answers


@given(answers=answer_sets())
@settings(deadline=None)
def test_every_answer_set_a_person_can_give_is_valid(answers):
    assert VALIDATOR.is_valid(answers)


@pytest.mark.parametrize(("answers", "valid"), [
    ({"red_flags": ["saddle_numbness"]}, True),
    ({"red_flags": ["saddle_numbness"], "diagnosis": ["other"]}, True),
    ({"red_flags": ["none"]}, False),
    ({"red_flags": ["none", "fever"]}, False),
    ({}, False),
])
def test_examples_of_what_the_schema_says(answers, valid):
    assert VALIDATOR.is_valid(answers) is valid is api_accepts(answers)


def test_a_whole_number_written_as_7_0_is_a_number_as_json_schema_says(client, answers):
    assert VALIDATOR.is_valid(answers | {"pain_score": 7.0})
    response = client.post("/api/v1/evaluate", json=answers | {"pain_score": 7.0})
    assert response.status_code == 200
    assert client.post("/api/v1/evaluate", json=answers | {"pain_score": 7.5}).status_code == 400


def _app():
    return create_app({"TESTING": True, "SECRET_KEY": "test", "RATELIMIT_ENABLED": False})


# Every check, on every operation; schemathesis.toml (read by `st run` too) says what
# "accepted" means for a FHIR QuestionnaireResponse.
CONFIG = schemathesis.Config.from_path(str(Path(__file__).resolve().parents[1]
                                           / "schemathesis.toml"))
SCHEMA = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", _app(), config=CONFIG)
SCHEMA.config.generation.update(max_examples=60, modes=[schemathesis.GenerationMode.POSITIVE,
                                                        schemathesis.GenerationMode.NEGATIVE])
load_all_checks()
EVERY_CHECK = CHECKS.get_all()


@SCHEMA.parametrize()
@settings(deadline=None, suppress_health_check=list(HealthCheck))
def test_the_api_does_what_its_description_says(case):
    case.call_and_validate(checks=EVERY_CHECK)


@pytest.mark.parametrize("media", ["application/fhir+json", "application/json"])
def test_a_questionnaire_response_without_a_status_is_invalid_as_the_app_says(client, media):
    body = {"resourceType": "QuestionnaireResponse"}
    schema = openapi_document()["paths"]["/fhir/QuestionnaireResponse"]["post"][
        "requestBody"]["content"][media]["schema"]
    assert not Draft202012Validator(schema).is_valid(body)
    assert client.post("/fhir/QuestionnaireResponse", json=body,
                       headers={"Content-Type": media}).status_code == 400
    assert Draft202012Validator(schema).is_valid(body | {"status": "completed"})


def test_the_apps_own_questionnaire_response_is_valid_as_described_and_accepted(client,
                                                                              answers):
    exported = client.post("/api/v1/evaluate", json=answers,
                           headers={"Accept": "application/fhir+json"}).get_json()
    schema = openapi_document()["paths"]["/fhir/QuestionnaireResponse"]["post"][
        "requestBody"]["content"]["application/fhir+json"]["schema"]
    assert Draft202012Validator(schema).is_valid(exported), list(
        Draft202012Validator(schema).iter_errors(exported))[:3]
    assert client.post("/fhir/QuestionnaireResponse", json=exported,
                       headers={"Content-Type": "application/fhir+json"}).status_code == 200
