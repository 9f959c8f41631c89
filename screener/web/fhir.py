"""FHIR endpoints for clinics' systems: the catalogue as a Questionnaire, and a completed
QuestionnaireResponse evaluated into guidance (a document Bundle).

Errors are OperationOutcomes with a 4xx status. The Questionnaire's canonical URL is the
``FHIR_CANONICAL`` setting, never the request's Host header, so every copy of the form
and every response names the same Questionnaire.
"""

from __future__ import annotations

from typing import Any

import orjson
from flask import Blueprint, current_app, request
from flask.sansio.blueprints import BlueprintSetupState

from .. import csrf, evaluate_here
from ..config import ConfigError
from ..disclaimer import disclaimer
from ..fhir import QUESTIONNAIRE_ID, catalogue_version, questionnaire
from ..fhir_guidance import guidance_bundle, operation_outcome
from ..fhir_read import Issue, ResponseError, read_response
from ..i18n import SUPPORTED

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
csrf.exempt(bp)
FHIR_JSON = "application/fhir+json"


@bp.record_once
def _check_canonical(state: BlueprintSetupState) -> None:
    canonical = state.app.config["FHIR_CANONICAL"]
    if ":" not in canonical or "|" in canonical or canonical != canonical.strip():
        raise ConfigError(f"SCREENER_FHIR_CANONICAL must be an absolute URL or URN without "
                          f"'|' or spaces, for example https://screener.clinic.example/fhir/"
                          f"Questionnaire/{QUESTIONNAIRE_ID}; got {canonical!r}.")


def canonical() -> str:
    return current_app.config["FHIR_CANONICAL"]


def fhir_response(body: dict[str, Any], status: int = 200) -> Any:
    return current_app.response_class(orjson.dumps(body), status=status, mimetype=FHIR_JSON)


def outcome(status: int, issues: list[Issue]) -> Any:
    return fhir_response(operation_outcome(issues), status)


def fhir_locale(resource_language: str | None = None) -> str:
    """``?lang=``, then Accept-Language, then the response's own language, then English."""
    wanted = request.args.get("lang")
    if wanted in SUPPORTED:
        return wanted
    if request.accept_languages:
        return request.accept_languages.best_match(SUPPORTED, default="en") or "en"
    return resource_language or "en"


@bp.get("/Questionnaire")
@bp.get(f"/Questionnaire/{QUESTIONNAIRE_ID}")
def get_questionnaire() -> Any:
    locale = fhir_locale()
    number = current_app.config["EMERGENCY_NUMBER"]
    return fhir_response(questionnaire(canonical(), disclaimer(number, locale), number, locale))


@bp.post("/QuestionnaireResponse")
def post_response() -> Any:
    """Evaluate a completed QuestionnaireResponse into a Bundle of guidance."""
    if not request.is_json:
        return outcome(415, [Issue("not-supported", "Send a QuestionnaireResponse with "
                                   f"'Content-Type: {FHIR_JSON}'.")])
    data = request.get_json(silent=True)
    try:
        read = read_response(data, canonical(), catalogue_version())
    except ResponseError as exc:
        return outcome(exc.status, exc.issues)
    result = evaluate_here(read.answers, fhir_locale(read.language))
    return fhir_response(guidance_bundle(read.resource, result))
