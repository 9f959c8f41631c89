"""The JSON API: the catalogue, evaluation with CLI parity, clear 4xx for bad input."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from jsonschema import Draft202012Validator, ValidationError
from openapi_spec_validator import validate

from screener.catalogue.sampling import with_examples
from screener.cli import main
from screener.engine.disclaimer import disclaimer
from screener.engine.scenarios import load_scenarios
from screener.exports.openapi import openapi_document
from screener.resources import data_dir

from .conftest import COMPLETE_ANSWERS, EMERGENCY_ANSWERS, QUIET_URGENT


def schema(name: str) -> Draft202012Validator:
    document = openapi_document()
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}"} | document)


def test_questions_is_the_catalogue(client, answers):
    data = client.get("/api/v1/questions").json
    assert [q["id"] for q in data["questions"]][:2] == ["red_flags", "diagnosis"]
    schema("Catalogue").validate(data)


SCENARIOS = load_scenarios(data_dir("rules") / "tests")


@pytest.mark.parametrize(("file", "scenario"), SCENARIOS, ids=[s.name for _, s in SCENARIOS])
def test_api_matches_the_cli_on_every_scenario(client, file, scenario):
    answers = with_examples(scenario.answers)
    api = client.post("/api/v1/evaluate", json=answers)
    cli = CliRunner().invoke(main, ["evaluate", "-"], input=json.dumps(answers))
    assert api.status_code == 200 and cli.exit_code == 0
    assert api.json == json.loads(cli.output)
    schema("Result").validate(api.json)
    assert list(api.json)[-1] == "disclaimer" and api.json["disclaimer"] == disclaimer()
    assert (api.json["safety_net"] is None) is api.json["stopped"]


@pytest.mark.parametrize(
    ("kwargs", "status", "expected"),
    [
        ({"data": "{bad json", "content_type": "application/json"}, 400, "not valid JSON"),
        ({"data": "red_flags=none"}, 415, "application/json"),
        ({"json": ["red_flags"]}, 400, "must be an object"),
        ({"json": {"red_flags": ["none"], "diagnoss": ["other"]}}, 400,
         "Unknown question 'diagnoss' (did you mean 'diagnosis'?)."),
        ({"json": {"red_flags": ["nne"]}}, 400, "did you mean 'none'?"),
        ({"json": {"red_flags": "none"}}, 400, "takes a list of text values"),
        ({"json": {"red_flags": ["none"], "pain_score": 10.5}}, 400, "takes a whole number"),
        ({"json": {"red_flags": ["none"]}}, 400, "'diagnosis' is required."),
        ({"json": {"red_flags": ["none"], "x": "y" * 70000}}, 413, "Too much was sent"),
    ],
)
def test_bad_input_is_a_4xx_with_every_problem(client, kwargs, status, expected):
    response = client.post("/api/v1/evaluate", **kwargs)
    assert response.status_code == status
    assert any(expected in e for e in response.json["errors"]), response.json
    schema("Errors").validate(response.json)


def test_api_needs_no_csrf_token():
    from screener.app import create_app

    app = create_app({"TESTING": True})
    response = app.test_client().post("/api/v1/evaluate",
                                      json={"red_flags": ["chest_pain"]})
    assert response.status_code == 200
    assert [t["id"] for t in response.json["topics"]] == ["emergency-care", "emergency-heart"]


@pytest.mark.parametrize("red_flags", EMERGENCY_ANSWERS, ids="+".join)
def test_an_emergency_answer_shows_only_the_emergency_topics_whatever_else_is_answered(
        client, red_flags):
    """Every other question answered, and every urgent flag that brings guidance of its own
    ticked: only the emergency stop keeps the result to the emergency topics."""
    response = client.post("/api/v1/evaluate",
                           json=COMPLETE_ANSWERS | {"red_flags": red_flags + QUIET_URGENT})
    assert response.status_code == 200, response.json
    topics = [t["id"] for t in response.json["topics"]]
    assert topics[0] == "emergency-care" and len(topics) == 2, topics
    assert response.json["stopped"] and not response.json["safety_net"]


def test_unknown_api_path_is_json_404(client):
    response = client.get("/api/v1/nothing")
    assert response.status_code == 404 and "errors" in response.json


def test_openapi_document_is_valid_and_matches_the_routes(app, client):
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    documented = {(path, method.upper()) for path, ops in document["paths"].items()
                  for method in ops}
    served = {(rule.rule, method) for rule in app.url_map.iter_rules()
              if rule.rule.startswith(("/api/", "/fhir/"))
              for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert documented == served


def test_answers_schema_accepts_what_the_api_accepts(answers):
    schema("Answers").validate(answers)
    with pytest.raises(ValidationError):
        schema("Answers").validate(answers | {"daily_impact": "sever"})
