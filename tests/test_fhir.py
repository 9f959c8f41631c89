"""FHIR both ways: the Questionnaire a renderer shows as the pages do, and a completed
QuestionnaireResponse evaluated into a guidance Bundle, or refused with an OperationOutcome."""

from __future__ import annotations

import copy
import functools
import json
from types import SimpleNamespace
from typing import Any

import fhirpathpy
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.operationoutcome import OperationOutcome
from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from fhirpathpy.models import models as fhirpath_models
from hypothesis import HealthCheck, given, settings
from markupsafe import escape

from screener.app import create_app
from screener.catalogue.answers import question_shown, validate_answers
from screener.catalogue.conditions import compile_condition, condition, leaves
from screener.catalogue.questions import (
    EMERGENCY_CONDITION,
    QUESTIONS,
    STEPS,
    is_emergency,
)
from screener.config import DEFAULTS, ConfigError
from screener.engine.disclaimer import disclaimer
from screener.engine.evaluate import evaluate
from screener.engine.safety_net import safety_net, safety_net_title
from screener.exports import fhir
from screener.exports.fhir import (
    DISCLAIMER_LINK_ID,
    ENABLE_WHEN_EXPRESSION,
    EXT,
    catalogue_version,
    coding_system,
    emergency_link_id,
    help_link_id,
)
from screener.exports.fhir_guidance import SECTION_SYSTEM, TOPIC_SYSTEM, guidance_sections
from screener.exports.fhir_read import read_response

from .conftest import COMPLETE_ANSWERS, EMERGENCY_ANSWERS, answer_sets

FHIR_JSON = "application/fhir+json"
CANONICAL = DEFAULTS["FHIR_CANONICAL"]
HYPOTHESIS = settings(max_examples=40, deadline=None,
                      suppress_health_check=[HealthCheck.function_scoped_fixture])


def walk(items: list[dict[str, Any]], enabled: bool = True, answers: dict | None = None):
    """(item, enabled under FHIR's enableWhen rules) for every item at any depth."""
    for item in items:
        shown = enabled and (answers is None or _enabled(item, answers))
        yield item, shown
        yield from walk(item.get("item", []), shown, answers)


def test_plain_answers_as_fhir_carry_safety_net_before_disclaimer(client, answers):
    response = client.post("/api/v1/evaluate", json=answers,
                           headers={"Accept": "application/fhir+json"})
    div = response.json["text"]["div"]
    assert div.index(safety_net()) < div.index(disclaimer())
    assert response.json["meta"]["tag"][0]["code"].endswith(
        client.application.extensions["screener.rules"].version.split("+")[1])


def test_emergency_as_fhir_has_no_safety_net(client):
    response = client.post("/api/v1/evaluate", json={"red_flags": ["chest_pain"]},
                           headers={"Accept": "application/fhir+json"})
    div = response.json["text"]["div"]
    assert disclaimer() in div and safety_net() not in div


def _test(condition: dict[str, Any], answers: dict[str, Any]) -> bool:
    """One enableWhen, as the FHIR R4 specification defines its operators."""
    given_ = answers.get(condition["question"])
    values = given_ if isinstance(given_, list) else [] if given_ is None else [given_]
    op = condition["operator"]
    if op == "exists":
        return bool(values) == condition["answerBoolean"]
    if not values:
        return False
    wanted = condition["answerCoding"]["code"] if "answerCoding" in condition else condition[
        "answerInteger"]
    if op in ("=", "!="):
        return (wanted in values) == (op == "=")
    compare = {">": int.__gt__, ">=": int.__ge__, "<": int.__lt__, "<=": int.__le__}[op]
    return any(compare(v, wanted) for v in values)


def _as_response(answers: dict[str, Any]) -> dict[str, Any]:
    """Plain answers as the items of a QuestionnaireResponse (what FHIRPath looks at)."""
    def value(v: Any) -> dict[str, Any]:
        return {"valueInteger": v} if isinstance(v, int) else {"valueCoding": {"code": v}}
    return {"resourceType": "QuestionnaireResponse", "item": [
        {"linkId": qid, "answer": [value(v) for v in (given if isinstance(given, list)
                                                       else [given])]}
        for qid, given in answers.items()]}


@functools.cache
def _compiled(expression: str):
    """FHIRPath parsed once per expression (parsing costs far more than evaluating)."""
    return fhirpathpy.compile(expression, fhirpath_models["r4"])


def _expression(item: dict[str, Any]) -> str | None:
    """The SDC enableWhenExpression (FHIRPath) of ``item``, if it has one."""
    return next((e["valueExpression"]["expression"] for e in item.get("extension", [])
                 if e["url"] == ENABLE_WHEN_EXPRESSION), None)


def _enabled(item: dict[str, Any], answers: dict[str, Any]) -> bool:
    expression = _expression(item)
    if expression is not None:
        assert "enableWhen" not in item, "SDC: enableWhen or enableWhenExpression, not both"
        response = _as_response(answers)
        return _compiled(expression)(response, {"resource": response}) == [True]
    tests = [_test(c, answers) for c in item.get("enableWhen", [])]
    if not tests:
        return True
    return all(tests) if item.get("enableBehavior", "all") == "all" else any(tests)


def enabled_questions(questionnaire: dict[str, Any], answers: dict[str, Any]) -> list[str]:
    return [item["linkId"] for item, shown in walk(questionnaire["item"], answers=answers)
            if shown and item["linkId"] in QUESTIONS]


def items_by_link_id(questionnaire: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {item["linkId"]: item for item, _ in walk(questionnaire["item"])}


@pytest.fixture
def questionnaire(client) -> dict[str, Any]:
    return client.get("/fhir/Questionnaire").json


def response_to(client, answers: dict[str, Any], **headers: str) -> dict[str, Any]:
    """The QuestionnaireResponse the API builds from plain answers."""
    reply = client.post("/api/v1/evaluate", json=answers,
                        headers={"Accept": FHIR_JSON, **headers})
    assert reply.status_code == 200 and reply.content_type == FHIR_JSON
    return reply.json


def post(client, resource: Any, **headers: str):
    return client.post("/fhir/QuestionnaireResponse", data=json.dumps(resource),
                       content_type=FHIR_JSON, headers=headers)


def topic_codes(bundle: dict[str, Any]) -> list[str]:
    return [s["code"]["coding"][0]["code"] for s in bundle["entry"][0]["resource"]["section"]
            if s["code"]["coding"][0]["system"] == TOPIC_SYSTEM]


# The Questionnaire ------------------------------------------------------------------------

def test_questionnaire_validates_and_carries_every_question_in_order(client):
    reply = client.get("/fhir/Questionnaire")
    assert reply.content_type == FHIR_JSON
    Questionnaire.model_validate(reply.json)
    questions = [item["linkId"] for item, _ in walk(reply.json["item"])
                 if item["type"] != "group" and item["type"] != "display"]
    assert questions == list(QUESTIONS)
    assert client.get("/fhir/Questionnaire/miss-screener").json == reply.json


def test_every_link_id_is_unique_que_2(questionnaire):
    """fhir.resources does not check invariant que-2, so this test does."""
    link_ids = [item["linkId"] for item, _ in walk(questionnaire["item"])]
    assert len(link_ids) == len(set(link_ids))


def test_with_nothing_answered_only_the_urgent_question_is_enabled(questionnaire):
    assert enabled_questions(questionnaire, {}) == [STEPS[0].questions[0]]


@HYPOTHESIS
@given(answers=answer_sets())
def test_enable_when_gives_the_pages_visibility(questionnaire, answers):
    expected = [q.id for q in QUESTIONS.values() if question_shown(q, answers)]
    assert enabled_questions(questionnaire, answers) == expected


def test_follow_ups_wait_for_their_trigger(questionnaire):
    item = items_by_link_id(questionnaire)["treatment_duration"]
    assert item["enableBehavior"] == "all"
    assert item["enableWhen"] == [
        {"question": "treatments_tried", "operator": "exists", "answerBoolean": True},
        {"question": "treatments_tried", "operator": "!=", "answerCoding": {
            "system": coding_system("treatments_tried"), "code": "none",
            "display": "None of these yet"}}]


SHAPES = [
    {"question": "pain_score", "gte": 7},
    {"question": "pain_score", "one_of": [3, 4]},
    {"question": "goals", "answered": True},
    {"not": {"question": "goals", "answered": True}},
    {"question": "health_factors", "includes_all": ["smoking", "diabetes"]},
    {"all": [{"question": "pain_score", "gt": 2},
             {"not": {"question": "prior_surgery", "equals": "none"}}]},
    {"any": [{"question": "main_symptom", "equals": "leg_pain"},
             {"question": "pain_score", "lt": 2}]},
]


@pytest.mark.parametrize("shape", SHAPES, ids=json.dumps)
@HYPOTHESIS
@given(answers=answer_sets())
def test_enable_when_means_what_the_condition_means(shape, answers):
    """Other condition shapes a catalogue may use translate with the same meaning."""
    cond = condition(shape)
    item = fhir.enable_when(cond)
    assert _enabled(item, answers) == compile_condition(cond)(answers)


@pytest.mark.parametrize("shape", [
    {"not": {"all": [{"question": "goals", "answered": True}]}},
    {"any": [{"not": {"question": "prior_surgery", "equals": "none"}},
             {"question": "pain_score", "gt": 2}]},
    {"not": {"question": "pain_score", "gt": 3}},
    {"all": [{"question": "pain_score", "one_of": [3, 4]},
             {"question": "health_factors", "includes_all": ["smoking", "diabetes"]}]},
], ids=json.dumps)
@HYPOTHESIS
@given(answers=answer_sets())
def test_conditions_enable_when_cannot_express_become_a_fhirpath_expression(shape, answers):
    """Same meaning once the questions it tests are answered (as the pages ask them)."""
    cond = condition(shape)
    with pytest.raises(ValueError, match="no enableWhen form"):
        fhir._tests(cond, "en")
    item = fhir.enable_when(cond)
    assert _expression(item) and "enableWhen" not in item
    if all(leaf.question in answers for leaf in leaves(cond)):
        assert _enabled(item, answers) == compile_condition(cond)(answers)


def test_exclusive_options_are_marked_option_exclusive(questionnaire):
    items = items_by_link_id(questionnaire)
    for question in QUESTIONS.values():
        marked = {o["valueCoding"]["code"] for o in items[question.id].get("answerOption", [])
                  if {"url": EXT + "questionnaire-optionExclusive", "valueBoolean": True}
                  in o.get("extension", [])}
        assert marked == question.exclusive


def test_number_questions_carry_their_range(questionnaire):
    items = items_by_link_id(questionnaire)
    for question in (q for q in QUESTIONS.values() if q.kind == "integer"):
        assert {"url": EXT + "minValue", "valueInteger": question.minimum} in items[
            question.id]["extension"]
        assert {"url": EXT + "maxValue", "valueInteger": question.maximum} in items[
            question.id]["extension"]


def test_help_texts_are_help_display_items(questionnaire):
    items = items_by_link_id(questionnaire)
    for question in QUESTIONS.values():
        (child,) = items[question.id]["item"]
        assert child["linkId"] == help_link_id(question.id) and child["type"] == "display"
        assert child["text"] == question.help
        assert child["extension"][0]["valueCodeableConcept"]["coding"][0]["code"] == "help"


@pytest.mark.parametrize("red_flags", EMERGENCY_ANSWERS, ids="+".join)
def test_emergency_answers_show_what_to_do_now_with_the_configured_number(red_flags):
    app = create_app({"TESTING": True, "EMERGENCY_NUMBER": "112"})
    document = app.test_client().get("/fhir/Questionnaire").json
    items = items_by_link_id(document)
    for question in QUESTIONS.values():
        if question.id != "red_flags":
            assert emergency_link_id(question.id) not in items
    display = items[emergency_link_id("red_flags")]
    assert display["type"] == "display" and "Call 112 now" in display["text"]
    assert "emergency room" not in display["text"] and "Do not drive" in display["text"]
    assert _enabled(display, {"red_flags": red_flags})
    assert enabled_questions(document, {"red_flags": red_flags}) == ["red_flags"]
    assert document["item"][-1] == {"linkId": DISCLAIMER_LINK_ID, "type": "display",
                                    "text": disclaimer("112")}


@HYPOTHESIS
@given(answers=answer_sets())
def test_the_emergency_message_shows_exactly_for_an_emergency(answers):
    display = fhir.questionnaire(CANONICAL, "", "911")["item"][0]["item"][1]
    assert display["linkId"] == emergency_link_id("red_flags")
    assert _enabled(display, answers) is is_emergency(answers["red_flags"])
    assert is_emergency(answers["red_flags"]) is compile_condition(EMERGENCY_CONDITION)(answers)


def test_canonical_url_comes_from_configuration_never_the_host(client):
    for headers in ({}, {"Host": "forged.example"}, {"X-Forwarded-Host": "forged.example"}):
        document = client.get("/fhir/Questionnaire", headers=headers).json
        assert document["url"] == CANONICAL and "forged" not in json.dumps(document)
    clinic = "https://screener.clinic.example/fhir/Questionnaire/miss-screener"
    app = create_app({"TESTING": True, "FHIR_CANONICAL": clinic, "PROXY_COUNT": 1})
    document = app.test_client().get("/fhir/Questionnaire",
                                     headers={"Host": "forged.example",
                                              "X-Forwarded-Host": "forged.example"}).json
    assert document["url"] == clinic


@pytest.mark.parametrize("canonical", ["", "not a url", "https://x.example/Q|2"])
def test_a_bad_canonical_setting_stops_start_up(canonical):
    with pytest.raises(ConfigError, match="FHIR_CANONICAL"):
        create_app({"TESTING": True, "FHIR_CANONICAL": canonical})


def test_version_changes_when_the_catalogue_changes(monkeypatch, questionnaire):
    assert questionnaire["version"] == catalogue_version()
    original = fhir.catalogue_json

    def reworded(locale: str) -> dict[str, Any]:
        data = original(locale)
        data["questions"][0]["prompt"] += " (reworded)"
        return data

    monkeypatch.setattr(fhir, "catalogue_json", reworded)
    catalogue_version.cache_clear()
    try:
        assert catalogue_version() != questionnaire["version"]
    finally:
        monkeypatch.undo()
        catalogue_version.cache_clear()
    assert catalogue_version() == questionnaire["version"]


def _codes_and_ids(document: dict[str, Any]) -> list[tuple]:
    return [(item["linkId"], item["type"], json.dumps(item.get("enableWhen", []))
             .count('"code"'), [o["valueCoding"]["code"] for o in item.get("answerOption", [])])
            for item, _ in walk(document["item"])]


@pytest.mark.parametrize("ask", [{"query_string": {"lang": "es"}},
                                 {"headers": {"Accept-Language": "es"}}])
def test_spanish_questionnaire_has_the_same_link_ids_and_codes(client, questionnaire, ask):
    spanish = client.get("/fhir/Questionnaire", **ask).json
    assert spanish["language"] == "es" and spanish["version"] == questionnaire["version"]
    assert _codes_and_ids(spanish) == _codes_and_ids(questionnaire)
    assert items_by_link_id(spanish)["red_flags"]["text"] == (
        "¿Tiene alguno de estos síntomas ahora?")


# Responses in -----------------------------------------------------------------------------

def test_a_response_becomes_a_guidance_bundle(client, ruleset):
    response = response_to(client, COMPLETE_ANSWERS)
    reply = post(client, response)
    assert reply.status_code == 200 and reply.content_type == FHIR_JSON
    Bundle.model_validate(reply.json)
    bundle = reply.json
    assert bundle["type"] == "document"
    composition, echoed = (entry["resource"] for entry in bundle["entry"])
    assert composition["resourceType"] == "Composition"
    QuestionnaireResponse.model_validate(echoed)
    assert echoed["item"] == response["item"]
    result = evaluate(ruleset, validate_answers(COMPLETE_ANSWERS))
    assert topic_codes(bundle) == [t.id for t in result.topics]
    last = composition["section"][-1]
    assert last["code"]["coding"][0] == {"system": SECTION_SYSTEM, "code": "disclaimer",
                                         "display": "Important"}
    assert disclaimer() in last["text"]["div"]
    topic_sections = composition["section"][:len(result.topics)]
    assert all(s["entry"] == [{"reference": bundle["entry"][1]["fullUrl"]}]
               for s in topic_sections)


@HYPOTHESIS
@given(generated=answer_sets())
def test_any_answer_set_round_trips_to_the_api_s_guidance(client, ruleset, generated):
    response = response_to(client, generated)
    QuestionnaireResponse.model_validate(response)
    read = read_response(response, CANONICAL, catalogue_version())
    assert read.answers == validate_answers(generated)
    reply = post(client, response)
    assert reply.status_code == 200, reply.json
    api = client.post("/api/v1/evaluate", json=generated).json
    assert topic_codes(reply.json) == [t["id"] for t in api["topics"]]
    sections = reply.json["entry"][0]["resource"]["section"]
    assert sections[-1]["code"]["coding"][0]["code"] == "disclaimer"
    result = evaluate(ruleset, validate_answers(generated))
    has_net = len(sections) > 1 and sections[-2]["code"]["coding"][0]["code"] == "safety-net"
    assert has_net == (result.safety_net is not None)
    if has_net:
        assert escape(result.safety_net) in sections[-2]["text"]["div"]
    if api["stopped"]:
        assert [s["code"]["coding"][0]["code"] for s in sections[:-1]] == topic_codes(
            reply.json)


def test_an_emergency_response_gets_the_emergency_guidance_alone(client, ruleset):
    reply = post(client, response_to(client, {"red_flags": ["chest_pain", "fever"]}))
    result = evaluate(ruleset, {"red_flags": ["chest_pain", "fever"]})
    assert result.stopped and topic_codes(reply.json) == [t.id for t in result.topics]
    codes = [s["code"]["coding"][0]["code"] for s in reply.json["entry"][0]["resource"]["section"]]
    assert codes == [t.id for t in result.topics] + ["disclaimer"]


def test_other_responses_carry_the_safety_net_just_before_the_disclaimer(client):
    sections = post(client, response_to(client, COMPLETE_ANSWERS)).json["entry"][0][
        "resource"]["section"]
    assert sections[-2]["code"]["coding"][0] == {
        "system": SECTION_SYSTEM, "code": "safety-net", "display": safety_net_title()}
    assert escape(safety_net()) in sections[-2]["text"]["div"]


def test_the_safety_net_goes_just_before_the_disclaimer():
    result = SimpleNamespace(topics=(), locale="en", disclaimer="D", safety_net="Call if worse.")
    sections = [s for s, _ in guidance_sections(result, "urn:x")]
    assert [s["code"]["coding"][0]["code"] for s in sections] == ["safety-net", "disclaimer"]
    assert "Call if worse." in sections[0]["text"]["div"]
    narrative = fhir._narrative(result, {})
    assert narrative.index("Call if worse.") < narrative.index("D</p>")


def _nest(response: dict[str, Any]) -> dict[str, Any]:
    """Groups inside a group, and a question nested under another's answer."""
    nested = copy.deepcopy(response)
    nested["item"] = [{"linkId": nested["item"][0]["linkId"], "item": nested["item"]}]
    return nested


def _flatten(response: dict[str, Any]) -> dict[str, Any]:
    flat = copy.deepcopy(response)
    flat["item"] = [item for group in flat["item"] for item in group["item"]]
    return flat


@pytest.mark.parametrize("shape", [_nest, _flatten])
def test_groups_may_nest_or_be_left_out(client, shape):
    response = response_to(client, COMPLETE_ANSWERS)
    assert topic_codes(post(client, shape(response)).json) == topic_codes(
        post(client, response).json)


def test_a_spanish_response_gets_spanish_guidance(client):
    response = response_to(client, COMPLETE_ANSWERS, **{"Accept-Language": "es"})
    assert response["language"] == "es"
    bundle = post(client, response).json
    composition = bundle["entry"][0]["resource"]
    assert composition["language"] == "es"
    assert composition["section"][-1]["title"] == "Importante"
    assert disclaimer("911", "es") in composition["section"][-1]["text"]["div"]
    english = post(client, response, **{"Accept-Language": "en"}).json
    assert topic_codes(english) == topic_codes(bundle)
    assert english["entry"][0]["resource"]["language"] == "en"


def _answer(response: dict[str, Any], link_id: str) -> dict[str, Any]:
    return next(item for group in response["item"] for item in group["item"]
                if item["linkId"] == link_id)


def _unknown_link_id(r: dict) -> None:
    r["item"][0]["item"].append({"linkId": "mystery", "answer": [{"valueInteger": 1}]})


def _wrong_system(r: dict) -> None:
    _answer(r, "main_symptom")["answer"][0]["valueCoding"]["system"] = "http://loinc.org"


def _unknown_code(r: dict) -> None:
    _answer(r, "main_symptom")["answer"][0]["valueCoding"]["code"] = "leg_pian"


def _none_with_chest_pain(r: dict) -> None:
    _answer(r, "red_flags")["answer"].append({"valueCoding": {
        "system": coding_system("red_flags"), "code": "chest_pain"}})


def _pain_out_of_range(r: dict) -> None:
    _answer(r, "pain_score")["answer"] = [{"valueInteger": 11}]


def _pain_as_text(r: dict) -> None:
    _answer(r, "pain_score")["answer"] = [{"valueString": "6"}]


def _missing_required(r: dict) -> None:
    r["item"][0]["item"] = []


def _answered_twice(r: dict) -> None:
    r["item"][1]["item"].append(copy.deepcopy(_answer(r, "main_symptom")))


def _two_single_answers(r: dict) -> None:
    _answer(r, "main_symptom")["answer"] *= 2


def _other_questionnaire(r: dict) -> None:
    r["questionnaire"] = "https://elsewhere.example/Questionnaire/phq-9"


def _old_version(r: dict) -> None:
    r["questionnaire"] = CANONICAL + "|0"


def _no_questionnaire(r: dict) -> None:
    del r["questionnaire"]


def _in_progress(r: dict) -> None:
    r["status"] = "in-progress"


def _not_fhir(r: dict) -> None:
    r["item"][0]["item"][0]["answer"][0]["valueCoding"]["code"] = 7
    r["surprise"] = True


@pytest.mark.parametrize("spoil, status, code, expression", [
    (_unknown_link_id, 422, "structure", ["mystery"]),
    (_wrong_system, 422, "code-invalid", ["main_symptom"]),
    (_unknown_code, 422, "code-invalid", ["main_symptom"]),
    (_none_with_chest_pain, 422, "value", ["red_flags"]),
    (_pain_out_of_range, 422, "value", ["pain_score"]),
    (_pain_as_text, 422, "value", ["pain_score"]),
    (_missing_required, 422, "required", ["red_flags"]),
    (_answered_twice, 422, "duplicate", ["main_symptom"]),
    (_two_single_answers, 422, "value", ["main_symptom"]),
    (_other_questionnaire, 422, "not-found", ["QuestionnaireResponse.questionnaire"]),
    (_old_version, 422, "business-rule", ["QuestionnaireResponse.questionnaire"]),
    (_no_questionnaire, 422, "required", ["QuestionnaireResponse.questionnaire"]),
    (_in_progress, 422, "business-rule", ["QuestionnaireResponse.status"]),
    (_not_fhir, 400, "structure",
     ["QuestionnaireResponse.item[0].item[0].answer[0].valueCoding.code"]),
])
def test_bad_responses_get_an_operation_outcome(client, spoil, status, code, expression):
    response = response_to(client, COMPLETE_ANSWERS)
    spoil(response)
    reply = post(client, response)
    assert reply.status_code == status and reply.content_type == FHIR_JSON
    OperationOutcome.model_validate(reply.json)
    issue = reply.json["issue"][0]
    assert (issue["severity"], issue["code"], issue["expression"]) == ("error", code, expression)
    assert issue["diagnostics"]


def test_a_misspelt_code_gets_a_suggestion(client):
    response = response_to(client, COMPLETE_ANSWERS)
    _unknown_code(response)
    assert "did you mean 'leg_pain'" in post(client, response).json["issue"][0]["diagnostics"]


@pytest.mark.parametrize("body, content_type, status", [
    (b"{not json", FHIR_JSON, 400),
    (b'{"resourceType": "Patient"}', FHIR_JSON, 400),
    (b"[]", "application/json", 400),
    (b"red_flags=none", "application/x-www-form-urlencoded", 415),
    (b"x" * 70_000, FHIR_JSON, 413),
])
def test_bodies_that_are_not_a_response_get_an_operation_outcome(client, body, content_type,
                                                                  status):
    reply = client.post("/fhir/QuestionnaireResponse", data=body, content_type=content_type)
    assert reply.status_code == status and reply.content_type == FHIR_JSON
    OperationOutcome.model_validate(reply.json)


@pytest.mark.parametrize("depth", [300, 1500])
def test_deep_nesting_gets_an_operation_outcome(client, depth):
    body = ('{"resourceType": "QuestionnaireResponse", "status": "completed", "item": ['
            + '{"linkId": "step-urgent", "item": [' * depth + "{}" + "]}" * depth + "]}")
    reply = client.post("/fhir/QuestionnaireResponse", data=body, content_type=FHIR_JSON)
    assert reply.status_code == 400
    OperationOutcome.model_validate(reply.json)


def test_many_problems_get_a_short_operation_outcome(client):
    response = response_to(client, COMPLETE_ANSWERS)
    response["item"][0]["item"] += [{"linkId": "x" * 2000 + str(n)} for n in range(25)]
    reply = post(client, response)
    assert reply.status_code == 422 and len(reply.json["issue"]) <= 11
    assert len(reply.get_data()) < 5000
    OperationOutcome.model_validate(reply.json)


@pytest.mark.parametrize("method, path, status", [
    ("get", "/fhir/Patient", 404), ("get", "/fhir/QuestionnaireResponse", 405),
    ("delete", "/fhir/Questionnaire", 405)])
def test_http_errors_under_fhir_are_operation_outcomes(client, method, path, status):
    reply = getattr(client, method)(path)
    assert reply.status_code == status and reply.content_type == FHIR_JSON
    OperationOutcome.model_validate(reply.json)


EHR = "https://ehr.clinic.example"


@pytest.fixture
def cors_client():
    return create_app({"TESTING": True, "RATELIMIT_ENABLED": False,
                       "FHIR_CORS_ORIGINS": f"{EHR} https://other.example:8443"}).test_client()


def test_listed_origins_may_call_from_the_browser(cors_client):
    preflight = cors_client.options("/fhir/QuestionnaireResponse", headers={
        "Origin": EHR, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.headers["Access-Control-Allow-Origin"] == EHR
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in preflight.headers["Access-Control-Allow-Headers"]
    assert "Access-Control-Allow-Credentials" not in preflight.headers
    reply = post(cors_client, response_to(cors_client, COMPLETE_ANSWERS), Origin=EHR)
    assert reply.status_code == 200 and reply.headers["Access-Control-Allow-Origin"] == EHR
    refused = post(cors_client, {}, Origin=EHR)
    assert refused.status_code == 400 and refused.headers["Access-Control-Allow-Origin"] == EHR


@pytest.mark.parametrize("origin", ["https://evil.example", "null", EHR + ".evil.example"])
def test_other_origins_get_no_cors_headers(cors_client, client, origin):
    for each in (cors_client, client):
        reply = each.get("/fhir/Questionnaire", headers={"Origin": origin})
        assert "Access-Control-Allow-Origin" not in reply.headers
    assert "Access-Control-Allow-Origin" not in client.get(
        "/fhir/Questionnaire", headers={"Origin": EHR}).headers


@pytest.mark.parametrize("origins", ["*", "https://ehr.example/path", "ehr.example"])
def test_a_bad_cors_setting_stops_start_up(origins):
    with pytest.raises(ConfigError, match="FHIR_CORS_ORIGINS"):
        create_app({"TESTING": True, "FHIR_CORS_ORIGINS": origins})
