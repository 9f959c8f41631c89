"""FHIR endpoints: the catalogue as a Questionnaire, answers in as a QuestionnaireResponse."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, jsonify, request

from .. import csrf
from ..disclaimer import disclaimer
from ..evaluate import Result
from ..fhir import questionnaire, questionnaire_response
from .api import evaluated_request, requested_locale

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
    found = evaluated_request()
    if not isinstance(found[1], Result):
        return found
    body = questionnaire_response(found[0], found[1], _base_url())
    return current_app.response_class(jsonify(body).get_data(), mimetype=FHIR_JSON)
