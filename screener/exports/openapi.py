"""The OpenAPI 3.1 document of the JSON API, built from the catalogue so it cannot drift.

The answer schema is exact: what it calls valid, ``validate_answers`` accepts, and what it
refuses is refused with a 400 (schemathesis checks both in the test suite). Which
questions are required depends on earlier answers, so each question's visibility is
written as JSON Schema (``if``/``then``), decided as the pages decide it: against the
answers that themselves still apply.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from ..catalogue.conditions import AllOf, Answer, AnyOf, Not
from ..catalogue.questions import QUESTIONS, STEP_BY_ID, Question
from ..i18n import SUPPORTED
from .fhir import QUESTIONNAIRE_ID

_ERRORS = {"$ref": "#/components/schemas/Errors"}
JSON = "application/json"
FHIR_JSON = "application/fhir+json"
Schema = dict[str, Any]
# QuestionnaireResponse.status (FHIR R4 value set questionnaire-answers-status).
QR_STATUSES = ("in-progress", "completed", "amended", "entered-in-error", "stopped")


def _answer_schema(question: Question) -> Schema:
    if question.kind == "integer":
        return {"type": "integer", "minimum": question.minimum, "maximum": question.maximum}
    if question.kind == "single":
        return {"type": "string", "enum": list(question.values)}
    schema: Schema = {"type": "array", "minItems": 1, "uniqueItems": True,
                      "items": {"type": "string", "enum": list(question.values)}}
    if question.exclusive:
        schema["if"] = {"contains": {"enum": sorted(question.exclusive)}}
        schema["then"] = {"maxItems": 1}
    return schema


def _leaf(test: Answer) -> Schema:
    """``test`` on the answers that apply: the question is shown, answered and matches."""
    q, op, v = test.question, test.operator, test.operand
    shown = _shown(q)
    given: Schema = {"allOf": [{"required": [q]}, shown]} if shown else {"required": [q]}
    if op == "answered":
        return given if v else {"not": given}
    value: Schema = {
        "equals": {"const": v}, "one_of": {"enum": v},
        "includes_any": {"contains": {"enum": v}},
        "includes_all": {"allOf": [{"contains": {"const": x}} for x in v or []]},
        "gt": {"exclusiveMinimum": v}, "gte": {"minimum": v},
        "lt": {"exclusiveMaximum": v}, "lte": {"maximum": v},
    }[op]
    return {"allOf": [given, {"properties": {q: value}}]}


def condition_schema(cond: Answer | AllOf | AnyOf | Not) -> Schema:
    """A JSON Schema that an answer set meets exactly when ``cond`` holds for it."""
    if isinstance(cond, Answer):
        return _leaf(cond)
    if isinstance(cond, AllOf):
        return {"allOf": [condition_schema(c) for c in cond.all]}
    if isinstance(cond, AnyOf):
        return {"anyOf": [condition_schema(c) for c in cond.any]}
    return {"not": condition_schema(cond.not_)}


@cache
def _shown_parts(qid: str) -> tuple[Schema, ...]:
    question = QUESTIONS[qid]
    step = STEP_BY_ID[question.step]
    return tuple(condition_schema(c) for c in (step.shown_when, question.shown_when) if c)


def _shown(qid: str) -> Schema:
    """When question ``qid`` is asked (empty: always)."""
    parts = _shown_parts(qid)
    if not parts:
        return {}
    return parts[0] if len(parts) == 1 else {"allOf": list(parts)}


def answers_schema() -> Schema:
    """Every question optional by type; required ones required whenever they are asked."""
    always = [q.id for q in QUESTIONS.values() if q.required and not _shown_parts(q.id)]
    conditional = [{"if": _shown(q.id), "then": {"required": [q.id]}}
                   for q in QUESTIONS.values() if q.required and _shown_parts(q.id)]
    # A choice offered only when a condition holds (pregnancy, not from 60 on).
    conditional += [
        {"if": {"required": [q.id], "properties": {q.id: {"contains": {"const": c.value}}
                                                    if q.kind == "multiple"
                                                    else {"const": c.value}}},
         "then": condition_schema(c.offered_when)}
        for q in QUESTIONS.values() for c in q.choices if c.offered_when]
    return {
        "type": "object", "additionalProperties": False, "required": always,
        "properties": {q.id: _answer_schema(q) for q in QUESTIONS.values()},
        "allOf": conditional,
        "description": (
            "Question ids mapped to answers (see GET /api/v1/questions). A question is "
            "required when it is asked: `red_flags` always; an emergency answer in "
            "`red_flags` (an emergency value, or `spinal_cord_signs` with `fever` or "
            "`infection_risk`) ends the questionnaire, so nothing else is then required; other "
            "questions are asked only when their `shown_when` holds (for example "
            "`imaging_within_12_months` unless `imaging` is `none`). Answers to questions "
            "that are not asked are accepted and ignored. An exclusive choice (`none`, "
            "`not_sure`) cannot be combined with others. `pregnant` is not accepted with "
            "`age_band` `60_74` or `75_plus`."),
    }


def _content(schema: Schema, *types: str) -> Schema:
    return {media: {"schema": schema} for media in types}


def _response(schema: Schema, description: str, *types: str) -> Schema:
    return {"description": description, "content": _content(schema, *(types or (JSON,)))}


_REASONS = {400: "Bad JSON, or answers that break the catalogue; every problem listed.",
            413: "The body is larger than the limit.",
            415: "The body is not JSON (send Content-Type: application/json).",
            429: "Too many requests; slow down (see Retry-After)."}


def _errors(*codes: int) -> Schema:
    return {str(code): _response(_ERRORS, _REASONS[code]) for code in codes}


def _language() -> Schema:
    return {"name": "Accept-Language", "in": "header", "required": False,
            "description": "The language of texts (en by default).",
            "schema": {"type": "string"}}


def _fhir(resource: str) -> dict[str, Any]:
    """A FHIR R4 resource; its full definition is the FHIR specification's."""
    return {"type": "object", "required": ["resourceType"],
            "properties": {"resourceType": {"const": resource}},
            "externalDocs": {"url": f"https://hl7.org/fhir/R4/{resource.lower()}.html"}}


# FHIR R4 primitive types, as the app's parser (fhir.resources) checks them. Its patterns
# use Python's \s, which counts more characters as white space than JavaScript's (U+0085,
# U+001C-U+001F): written out here, so that every engine reads them alike.
_SPACE = ("\\t\\n\\u000b\\u000c\\r\\u001c-\\u001f \\u0085\\u00a0\\u1680\\u2000-\\u200a"
          "\\u2028\\u2029\\u202f\\u205f\\u3000")
_STRING: Schema = {"type": "string", "pattern": f"^([ \\r\\n\\t]|[^{_SPACE}])+$"}
_CODE: Schema = {"type": "string", "pattern": f"^[^{_SPACE}]+( [^{_SPACE}]+)*$"}
_URI: Schema = {"type": "string", "pattern": f"^[^{_SPACE}]*$"}
_DATE_TIME: Schema = {"type": "string", "pattern": (
    "^[1-9][0-9]{3}(-(0[1-9]|1[0-2])(-(0[1-9]|1[0-9]|2[0-8])(T([01][0-9]|2[0-3]):[0-5][0-9]:"
    "[0-5][0-9](\\.[0-9]{1,6})?(Z|[+-](0[0-9]|1[0-3]):[0-5][0-9]))?)?)?$")}
_CODING: Schema = {"type": "object", "additionalProperties": False, "properties": {
    "system": _URI, "version": _STRING, "code": _CODE, "display": _STRING,
    "userSelected": {"type": "boolean"}}}
ITEM_DEPTH = 3  # groups in groups: this Questionnaire nests items two deep


def _item(depth: int) -> Schema:
    """A QuestionnaireResponse item: a group of items or a question's answers."""
    answer: Schema = {"type": "object", "additionalProperties": False,
                      "not": {"required": ["valueCoding", "valueInteger"]},
                      "properties": {"valueCoding": _CODING, "valueInteger": {
                          "type": "integer", "minimum": -2**31, "maximum": 2**31 - 1}}}
    properties: Schema = {"linkId": _STRING, "definition": _URI, "text": _STRING,
                          "answer": {"type": "array", "items": answer}}
    if depth > 1:
        properties["item"] = {"type": "array", "items": _item(depth - 1)}
    return {"type": "object", "required": ["linkId"], "additionalProperties": False,
            "properties": properties}


def _questionnaire_response_in() -> Schema:
    """The elements of a QuestionnaireResponse that this service reads or writes (its own
    export posts back as it is), as FHIR R4 types them; ``status`` is mandatory (a 400
    without it). Whether the answers fit the Questionnaire is the Questionnaire's to say: a
    well-formed response that does not fit gets a 422."""
    schema = _fhir("QuestionnaireResponse")
    schema.update(required=["resourceType", "status"], additionalProperties=False)
    schema["properties"].update({
        "id": {"type": "string", "pattern": "^[A-Za-z0-9.-]{1,64}$"},
        "language": _CODE,
        "questionnaire": _URI | {"description": "The Questionnaire's canonical URL and version "
                                                "(url|version); required (else 422)."},
        "status": {"enum": list(QR_STATUSES), "description": "Only a completed or amended "
                                                             "response is evaluated (else 422)."},
        "authored": _DATE_TIME,
        "meta": {"type": "object", "additionalProperties": False,
                 "properties": {"tag": {"type": "array", "items": _CODING}}},
        "text": {"type": "object", "additionalProperties": False,
                 "required": ["status", "div"], "properties": {
                     "status": {"enum": ["generated", "extensions", "additional", "empty"]},
                     "div": _STRING}},
        "item": {"type": "array", "items": _item(ITEM_DEPTH)}})
    return schema


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
    return [{"name": "lang", "in": "query", "required": False, "schema": {"type": "string"},
             "description": f"Language of the texts ({', '.join(SUPPORTED)}); any other "
                            "value falls back to Accept-Language, then English. linkIds and "
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
    answers_body = {"required": True, "content": _content(
        {"$ref": "#/components/schemas/Answers"}, JSON)}
    return {
        "openapi": "3.1.0",
        "info": {"title": "MISS screener API", "version": "1.0.0",
                 "description": "Educational guidance only; every result carries the "
                                "referral disclaimer."},
        "paths": {
            "/api/v1/questions": {"get": {
                "summary": "The question catalogue: steps, questions, values, visibility.",
                "parameters": [_language()],
                "responses": {"200": _response({"$ref": "#/components/schemas/Catalogue"},
                                               "The catalogue."), **_errors(429)}}},
            "/api/v1/evaluate": {"post": {
                "summary": "Evaluate an answer set into ordered guidance with a trace.",
                "description": f"With 'Accept: {FHIR_JSON}' the answers come back as a FHIR "
                               "QuestionnaireResponse to /fhir/Questionnaire instead.",
                "parameters": [_language()],
                "requestBody": answers_body,
                "responses": {"200": {
                    "description": "The guidance, trace and disclaimer; or, when asked for "
                                   "FHIR, the answers as a QuestionnaireResponse.",
                    "content": {"application/json": {
                        "schema": {"$ref": "#/components/schemas/Result"}},
                        FHIR_JSON: {"schema": _fhir("QuestionnaireResponse")}}},
                              **_errors(400, 413, 415, 429)}}},
            "/api/v1/openapi.json": {"get": {
                "summary": "This document.",
                "responses": {"200": _response({"type": "object", "required": ["openapi"]},
                                               "OpenAPI 3.1 document."), **_errors(429)}}},
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
                    media: {"schema": _questionnaire_response_in()}
                    for media in (FHIR_JSON, "application/json")}},
                "responses": {"200": _fhir_body("Bundle", "The guidance as a document Bundle."),
                              **_outcomes(400, 413, 415, 422, 429)}}},
        },
        "components": {"schemas": {
            "Answers": answers_schema(),
            "Errors": {"type": "object", "required": ["errors"],
                       "properties": {"errors": {"type": "array", "minItems": 1,
                                                 "items": text}}},
            "Topic": {"type": "object",
                      "required": ["id", "category", "title", "body", "ask", "sources"],
                      "properties": {"id": text, "category": {"enum": [
                          "urgent", "discuss", "prepare", "risk", "learn"]},
                          "title": text, "body": text,
                          "ask": {"type": "array", "items": text},
                          "sources": {"type": "array", "items": text}}},
            "Result": {"type": "object",
                       "required": ["lang", "topics", "stopped", "trace", "safety_net",
                                    "disclaimer"],
                       "properties": {
                           "lang": text,
                           "topics": {"type": "array",
                                      "items": {"$ref": "#/components/schemas/Topic"}},
                           "stopped": {"type": "boolean"},
                           "trace": {"type": "array", "items": {
                               "type": "object", "required": ["topic", "rules"],
                               "properties": {"topic": text, "rules": {
                                   "type": "array", "items": {
                                       "type": "object",
                                       "required": ["id", "description", "answers"],
                                       "properties": {"id": text, "description": text,
                                                      "answers": {"type": "object"}}}}}}},
                           "safety_net": {"type": ["string", "null"], "description":
                                          "What to do at once if it gets worse; null only "
                                          "on the emergency result."},
                           "disclaimer": {"type": "string", "minLength": 1}}},
            "Catalogue": {"type": "object", "required": ["lang", "steps", "questions"],
                          "properties": {"lang": text, "steps": {"type": "array"},
                                         "questions": {"type": "array"}}},
        }},
    }
