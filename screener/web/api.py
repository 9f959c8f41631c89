"""The JSON API for other systems: the catalogue, and evaluation of an answer set.

The same result as ``screener evaluate --format json``. Bad input of any kind is a 400
with a JSON list of problems, never a 5xx. Exempt from CSRF (no cookies are used), so it
accepts only ``application/json`` bodies, which a cross-site form cannot send.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Request, current_app, jsonify, request

from ..catalogue.answers import AnswersError, ValidAnswers
from ..catalogue.questions import QUESTIONS, catalogue_json
from ..exports.openapi import openapi_document
from ..exports.registry import Format, Source, formats_for
from .extensions import csrf, screening
from .fhir import canonical
from .locale import offered_locales

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)


def current_request() -> Request:
    """The request itself: every use of Flask's ``request`` proxy is a context lookup
    (about a microsecond), so the evaluate view looks it up once and passes it on."""
    return request._get_current_object()  # type: ignore[attr-defined]


def requested_locale(req: Request | None = None) -> str:
    """The language other systems ask for with Accept-Language (English by default)."""
    req = current_request() if req is None else req
    offered = offered_locales()
    if "HTTP_ACCEPT_LANGUAGE" not in req.environ:
        return offered[0]  # what best_match gives for no header, without parsing one
    return req.accept_languages.best_match(offered, default=offered[0]) or offered[0]


class Refused(Exception):
    """A request the API cannot answer: its status and the reasons, sent as JSON."""

    def __init__(self, status: int, errors: list[str]) -> None:
        super().__init__(status, errors)
        self.status, self.errors = status, errors


@bp.errorhandler(Refused)
def problem(exc: Refused) -> tuple[Any, int]:
    return jsonify({"errors": exc.errors}), exc.status


def answers_from_request(req: Request) -> ValidAnswers:
    """The validated answer set of a JSON request, else ``Refused`` (a 4xx)."""
    if not req.is_json:
        raise Refused(415, ["Send the answers as a JSON object with "
                            "'Content-Type: application/json'."])
    data = req.get_json(silent=True)
    if data is None:
        raise Refused(400, ["The body is not valid JSON."])
    try:
        return screening().valid(data)
    except AnswersError as exc:
        refused = exc
    if isinstance(data, dict) and any(v.__class__ is float for v in data.values()):
        try:  # nearly never: 7.0 for a number, which the first check refused
            return screening().valid(whole_numbers(data))
        except AnswersError as exc:
            refused = exc
    raise Refused(400, refused.problems)


def whole_numbers(data: dict[str, Any]) -> dict[str, Any]:
    """``7.0`` read as ``7`` for number questions: JSON Schema (and so the API description)
    counts a number with a zero fraction as an integer."""
    return {qid: int(value) if isinstance(value, float) and value.is_integer()
            and qid in QUESTIONS and QUESTIONS[qid].kind == "integer" else value
            for qid, value in data.items()}


@bp.get("/questions")
def questions() -> Any:
    return jsonify(catalogue_json(requested_locale()))


@bp.post("/evaluate")
def evaluate_answers() -> Any:
    """The result in the format the Accept header picks among those registered for the API:
    JSON by default, or with ``Accept: application/fhir+json`` the answers as a
    QuestionnaireResponse to the FHIR Questionnaire (guidance in its narrative)."""
    req = current_request()
    answers = answers_from_request(req)
    result = screening().evaluate(answers, requested_locale(req))
    chosen = negotiated(req)
    return current_app.response_class(chosen.render(Source(answers, result,
                                                           canonical=canonical())),
                                      mimetype=chosen.media_type)


def negotiated(req: Request) -> Format:
    """The API format the request accepts best; the first offered when it names none."""
    offered = formats_for("api")
    if "HTTP_ACCEPT" not in req.environ:
        return offered[0]
    best = req.accept_mimetypes.best_match([fmt.media_type for fmt in offered])
    return next((fmt for fmt in offered if fmt.media_type == best), offered[0])


@bp.get("/openapi.json")
def openapi() -> Any:
    return jsonify(openapi_document())
