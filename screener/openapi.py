"""The OpenAPI 3.1 document of the JSON API, built from the catalogue so it cannot drift."""

from __future__ import annotations

from typing import Any

from .questions import QUESTIONS, Question

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
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Answers"}}}},
                "responses": {"200": _json({"$ref": "#/components/schemas/Result"},
                                           "The guidance, trace and disclaimer."),
                              **_errors(400, 413, 415, 429)}}},
            "/api/v1/openapi.json": {"get": {
                "summary": "This document.",
                "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 document.")}}},
            "/fhir/Questionnaire": {"get": {
                "summary": "The catalogue as a FHIR R4 Questionnaire with enableWhen.",
                "responses": {"200": _json({"type": "object"}, "A FHIR Questionnaire.")}}},
            "/fhir/QuestionnaireResponse": {"post": {
                "summary": "Answers in, a FHIR R4 QuestionnaireResponse out.",
                "requestBody": {"required": True, "content": {"application/json": {
                    "schema": {"$ref": "#/components/schemas/Answers"}}}},
                "responses": {"200": _json({"type": "object"}, "A QuestionnaireResponse."),
                              **_errors(400, 413, 415, 429)}}},
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
