"""FHIR endpoints for clinics' systems: the catalogue as a Questionnaire, and a completed
QuestionnaireResponse evaluated into guidance (a document Bundle).

Errors are OperationOutcomes with a 4xx status. The Questionnaire's canonical URL is the
``FHIR_CANONICAL`` setting, never the request's Host header, so every copy of the form
and every response names the same Questionnaire.
"""

from __future__ import annotations

import re
from typing import Any

import orjson
from flask import Blueprint, Response, current_app, request
from flask.sansio.blueprints import BlueprintSetupState

from ..config import ConfigError
from ..engine.disclaimer import disclaimer
from ..exports.fhir import QUESTIONNAIRE_ID, catalogue_version, questionnaire
from ..exports.fhir_guidance import guidance_bundle, operation_outcome
from ..exports.fhir_read import Issue, ResponseError, read_response
from ..i18n import SUPPORTED
from .extensions import csrf, screening

bp = Blueprint("fhir", __name__, url_prefix="/fhir")
csrf.exempt(bp)
FHIR_JSON = "application/fhir+json"


ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:[0-9]+)?")
CORS_HEADERS = {"Access-Control-Allow-Methods": "GET, POST",
                "Access-Control-Allow-Headers": "Accept, Accept-Language, Content-Type",
                "Access-Control-Max-Age": "600"}


@bp.record_once
def _check_settings(state: BlueprintSetupState) -> None:
    canonical = state.app.config["FHIR_CANONICAL"]
    if ":" not in canonical or "|" in canonical or len(canonical.split()) != 1:
        raise ConfigError(f"SCREENER_FHIR_CANONICAL must be an absolute URL or URN without "
                          f"'|' or spaces, for example https://screener.clinic.example/fhir/"
                          f"Questionnaire/{QUESTIONNAIRE_ID}; got {canonical!r}.")
    for origin in state.app.config["FHIR_CORS_ORIGINS"].split():
        if not ORIGIN.fullmatch(origin):
            raise ConfigError("SCREENER_FHIR_CORS_ORIGINS lists web origins such as "
                              f"https://ehr.clinic.example (no '*', no path); got {origin!r}.")


@bp.after_request
def _cors(response: Response) -> Response:
    """Let the listed origins' pages (an EHR running a forms renderer) call these endpoints.

    No cookies are involved, so credentials are never allowed; every other origin gets no
    CORS headers and the browser keeps it out.
    """
    origin = request.headers.get("Origin")
    if origin and origin in current_app.config["FHIR_CORS_ORIGINS"].split():
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers.add("Vary", "Origin")
        if request.method == "OPTIONS":
            response.headers.update(CORS_HEADERS)
    return response


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
    result = screening().evaluate(read.answers, fhir_locale(read.language))
    return fhir_response(guidance_bundle(read.resource, result))
