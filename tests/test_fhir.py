"""FHIR R4 exports validate with fhir.resources, branch with enableWhen, and round-trip."""

from __future__ import annotations

from fhir.resources.R4B.questionnaire import Questionnaire
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse
from hypothesis import HealthCheck, given, settings

from screener.disclaimer import disclaimer
from screener.fhir import answers_from_response
from screener.questions import QUESTIONS
from screener.safety_net import safety_net

from .conftest import answer_sets


def test_questionnaire_validates_and_carries_every_question(client):
    response = client.get("/fhir/Questionnaire")
    assert response.content_type == "application/fhir+json"
    resource = Questionnaire.model_validate(response.json)
    link_ids = [item.linkId for group in resource.item for item in group.item]
    assert link_ids == list(QUESTIONS)
    assert resource.description == disclaimer()


def test_questionnaire_branches_with_enable_when(client):
    groups = {g["linkId"]: g for g in client.get("/fhir/Questionnaire").json["item"]}
    treatments = {i["linkId"]: i for i in groups["treatments"]["item"]}
    assert treatments["treatment_duration"]["enableWhen"] == [{
        "question": "treatments_tried", "operator": "!=",
        "answerCoding": {"system": "urn:miss-screener:treatments_tried", "code": "none",
                         "display": "None of these yet"}}]
    assert groups["diagnosis"]["enableBehavior"] == "all"
    assert {w["answerCoding"]["code"] for w in groups["diagnosis"]["enableWhen"]} == {
        "bladder_bowel", "saddle_numbness", "leg_weakness_worsening", "both_legs_new",
        "arm_weakness_worsening", "chest_pain", "neck_artery_signs", "neck_injury_nerve",
        "sudden_severe_pain"}
    assert treatments["treatments_tried"]["repeats"] is True


def test_response_validates_and_has_guidance_and_disclaimer(client, answers):
    response = client.post("/fhir/QuestionnaireResponse", json=answers)
    resource = QuestionnaireResponse.model_validate(response.json)
    assert resource.status == "completed"
    assert resource.questionnaire.endswith("/fhir/Questionnaire")
    assert disclaimer() in resource.text.div
    assert resource.text.div.index(safety_net()) < resource.text.div.index(disclaimer())
    assert "Talk with a spine specialist about small-incision surgery" in resource.text.div


def test_emergency_response_has_no_safety_net(client):
    response = client.post("/fhir/QuestionnaireResponse", json={"red_flags": ["chest_pain"]})
    div = QuestionnaireResponse.model_validate(response.json).text.div
    assert disclaimer() in div and safety_net() not in div


def test_response_rejects_bad_answers(client):
    response = client.post("/fhir/QuestionnaireResponse", json={"red_flags": ["nope"]})
    assert response.status_code == 400 and response.json["errors"]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(generated=answer_sets())
def test_answers_round_trip_through_a_response(client, generated):
    response = client.post("/fhir/QuestionnaireResponse", json=generated)
    assert response.status_code == 200
    QuestionnaireResponse.model_validate(response.json)
    from screener.answers import validate_answers

    assert answers_from_response(response.json) == validate_answers(generated)
