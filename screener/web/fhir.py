"""FHIR endpoints: the catalogue as a Questionnaire, answers in as a QuestionnaireResponse."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from .. import csrf, current_rules
from ..disclaimer import disclaimer
from ..evaluate import evaluate
from ..fhir import questionnaire, questionnaire_response
from .api import answers_from_request, requested_locale

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
csrf.exempt(bp)
FHIR_JSON = "application/fhir+json"


def _base_url() -> str:
    return request.url_root.rstrip("/")


@bp.get("/Questionnaire")
def get_questionnaire() -> Any:
    locale = requested_locale()
    body = questionnaire(_base_url(), disclaimer(current_app.config["EMERGENCY_NUMBER"], locale),
                         locale)
    return current_app.response_class(jsonify(body).get_data(), mimetype=FHIR_JSON)


@bp.post("/QuestionnaireResponse")
def post_response() -> Any:
    answers = answers_from_request()
    if not isinstance(answers, dict):
        return answers
    result = evaluate(current_rules(current_app), answers,
                      emergency_number=current_app.config["EMERGENCY_NUMBER"],
                      locale=requested_locale())
    body = questionnaire_response(answers, result, _base_url())
    return current_app.response_class(jsonify(body).get_data(), mimetype=FHIR_JSON)
