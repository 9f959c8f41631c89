"""The OpenAPI 3.1 document of the JSON API, built from the catalogue so it cannot drift."""

from __future__ import annotations

from typing import Any

from .fhir import QUESTIONNAIRE_ID
from .i18n import SUPPORTED
from .questions import QUESTIONS, Question

FHIR_JSON = "application/fhir+json"

_ERRORS = {"$ref": "#/components/schemas/Errors"}


def _answer_schema(question: Question) -> dict[str, Any]:
    if question.kind == "integer":
        return {"type": "integer", "minimum": question.minimum, "maximum": question.maximum}
    if question.kind == "single":
        return {"type": "string", "enum": list(question.values)}
    return {"type": "array", "minItems": 1, "uniqueItems": True,
            "items": {"type": "string", "enum": list(question.values)}}


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict[str, Any]:
    reasons = {400: "Bad JSON, or answers that break the catalogue; every problem listed.",
               413: "The body is larger than the limit.",
               415: "The body is not application/json.",
               429: "Too many requests; slow down."}
    return {str(code): _json(_ERRORS, reasons[code]) for code in codes}


def _fhir(resource: str) -> dict[str, Any]:
    """A FHIR R4 resource; its full definition is the FHIR specification's."""
    return {"type": "object", "required": ["resourceType"],
            "properties": {"resourceType": {"const": resource}},
            "externalDocs": {"url": f"https://hl7.org/fhir/R4/{resource.lower()}.html"}}


def _fhir_body(resource: str, description: str) -> dict[str, Any]:
    return {"description": description, "content": {FHIR_JSON: {"schema": _fhir(resource)}}}


def _outcomes(*codes: int) -> dict[str, Any]:
    reasons = {400: "Not JSON, or not a valid FHIR R4 QuestionnaireResponse.",
               413: "The body is larger than the limit.",
               415: f"The body is not {FHIR_JSON} (or application/json).",
               422: "A response that does not fit the Questionnaire: unknown linkId, wrong "
                    "code system or code, another Questionnaire or version, not completed, "
                    "or a required answer missing. Each issue's expression names the linkId.",
               429: "Too many requests; slow down."}
    return {str(code): _fhir_body("OperationOutcome", reasons[code]) for code in codes}


def _language_parameters() -> list[dict[str, Any]]:
    return [{"name": "lang", "in": "query", "required": False,
             "schema": {"type": "string", "enum": list(SUPPORTED)},
             "description": "Language of the texts; else Accept-Language; linkIds and "
                            "codes are the same in every language."}]


def _questionnaire_path() -> dict[str, Any]:
    return {"get": {
        "summary": "The catalogue as a FHIR R4 Questionnaire (SDC): enableWhen, help, "
                   "exclusive options, emergency message, disclaimer.",
        "description": "Its url is the configured canonical (SCREENER_FHIR_CANONICAL) and its "
                       "version changes whenever the catalogue does.",
        "parameters": _language_parameters(),
        "responses": {"200": _fhir_body("Questionnaire", "The Questionnaire."),
                      **_outcomes(429)}}}


def openapi_document() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "openapi": "3.1.0",
        "info": {"title": "MISS screener API", "version": "1.0.0",
                 "description": "Educational guidance only; every result carries the "
                                "referral disclaimer."},
        "paths": {
            "/api/v1/questions": {"get": {
                "summary": "The question catalogue: steps, questions, values, visibility.",
                "responses": {"200": _json({"$ref": "#/components/schemas/Catalogue"},
                                           "The catalogue.")}}},
            "/api/v1/evaluate": {"post": {
                "summary": "Evaluate an answer set into ordered guidance with a trace.",
                "description": f"With 'Accept: {FHIR_JSON}' the answers come back as a FHIR "
                               "QuestionnaireResponse to /fhir/Questionnaire instead.",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Answers"}}}},
                "responses": {"200": {
                    "description": "The guidance, trace and disclaimer; or, when asked for "
                                   "FHIR, the answers as a QuestionnaireResponse.",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Result"}},
                        FHIR_JSON: {"schema": _fhir("QuestionnaireResponse")}}},
                              **_errors(400, 413, 415, 429)}}},
            "/api/v1/openapi.json": {"get": {
                "summary": "This document.",
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 document.")}}},
            "/fhir/Questionnaire": _questionnaire_path(),
            f"/fhir/Questionnaire/{QUESTIONNAIRE_ID}": _questionnaire_path(),
            "/fhir/QuestionnaireResponse": {"post": {
                "summary": "Evaluate a completed FHIR R4 QuestionnaireResponse to the "
                           "Questionnaire into guidance.",
                "description": "Checked against the Questionnaire (canonical and version, "
                               "linkIds, code systems, answer rules). The guidance comes "
                               "back as a document Bundle: a Composition whose sections are "
                               "the topics in order, coded by topic id, with the referral "
                               "disclaimer last; then the response itself.",
                "parameters": _language_parameters(),
                "requestBody": {"required": True, "content": {
                    media: {"schema": _fhir("QuestionnaireResponse")}
                    for media in (FHIR_JSON, "application/json")}},
                "responses": {"200": _fhir_body("Bundle", "The guidance as a document Bundle."),
                              **_outcomes(400, 413, 415, 422, 429)}}},
        },
        "components": {"schemas": {
            "Answers": {"type": "object", "additionalProperties": False,
                        "required": ["red_flags"],
                        "properties": {q.id: _answer_schema(q) for q in QUESTIONS.values()}},
            "Errors": {"type": "object", "required": ["errors"],
                       "properties": {"errors": {"type": "array", "items": text}}},
            "Topic": {"type": "object", "required": ["id", "category", "title", "body"],
                      "properties": {"id": text, "category": {"enum": [
                          "urgent", "discuss", "prepare", "risk", "learn"]},
                          "title": text, "body": text,
                          "ask": {"type": "array", "items": text},
                          "sources": {"type": "array", "items": text}}},
            "Result": {"type": "object", "required": ["topics", "disclaimer", "trace"],
                       "properties": {
                           "topics": {"type": "array",
                                      "items": {"$ref": "#/components/schemas/Topic"}},
                           "stopped": {"type": "boolean"},
                           "trace": {"type": "array", "items": {
                               "type": "object", "required": ["topic", "rules"],
                               "properties": {"topic": text, "rules": {"type": "array"}}}},
                           "safety_net": {"type": ["string", "null"], "description":
                                          "What to do at once if it gets worse; null only "
                                          "on the emergency result."},
                           "disclaimer": {"type": "string", "minLength": 1}}},
            "Catalogue": {"type": "object", "required": ["steps", "questions"],
                          "properties": {"steps": {"type": "array"},
                                         "questions": {"type": "array"}}},
        }},
    }
