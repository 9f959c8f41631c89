"""Reading a FHIR R4 QuestionnaireResponse back into the catalogue's answer set.

``fhir.resources`` parses the resource (types, cardinality, unknown elements); this module
then checks it against the Questionnaire the app serves: its canonical and version, known
linkIds at any depth of groups (as LHC-Forms and other clients nest them), codes from each
question's own system, and the same answer rules as the pages. Every problem becomes an
issue naming the linkId, so a client can point at the field.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fhir.resources.R4B.questionnaireresponse import (
    QuestionnaireResponse,
    QuestionnaireResponseItem,
)
from pydantic import ValidationError

from ..catalogue.answers import (
    MAX_PROBLEMS,
    AnswersError,
    check_value,
    prune,
    short,
    validate_answers,
    visible_questions,
)
from ..catalogue.questions import QUESTIONS, STEPS, Question
from ..i18n import SUPPORTED
from ..problems import did_you_mean
from .fhir import coding_system, display_link_ids, group_link_id

GROUP_IDS = frozenset(group_link_id(s.id) for s in STEPS)
EVALUATED_STATUSES = ("completed", "amended")
# JSON nesting a response may have: this Questionnaire needs about 10 levels; the parser
# recurses per level, so thousands (which fit in a small body) would exhaust the stack.
MAX_DEPTH = 40


@dataclass(frozen=True)
class Issue:
    """One OperationOutcome issue: an issue-type ``code``, a plain message, where."""

    code: str
    diagnostics: str
    expression: tuple[str, ...] = ()
    severity: str = "error"


class ResponseError(ValueError):
    """A response that cannot be evaluated; ``status`` is the HTTP status to answer with."""

    def __init__(self, status: int, issues: list[Issue]) -> None:
        if len(issues) > MAX_PROBLEMS:
            more = Issue("informational", f"... and {len(issues) - MAX_PROBLEMS} more problems.",
                         severity="information")
            issues = issues[:MAX_PROBLEMS] + [more]
        self.status = status
        self.issues = issues
        super().__init__("; ".join(i.diagnostics for i in issues))


@dataclass(frozen=True)
class ReadResponse:
    answers: dict[str, Any]
    language: str | None
    resource: dict[str, Any]


def _fhirpath(location: tuple[int | str, ...]) -> str:
    path = "QuestionnaireResponse"
    for part in location:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _too_deep(data: object) -> bool:
    """Whether JSON ``data`` nests deeper than MAX_DEPTH (checked without recursion)."""
    level: list[object] = [data]
    for _ in range(MAX_DEPTH):
        level = [inner for value in level
                 for inner in (value.values() if isinstance(value, dict) else
                               value if isinstance(value, list) else ())]
        if not level:
            return False
    return True


def _parse(data: object) -> QuestionnaireResponse:
    if not isinstance(data, dict) or data.get("resourceType") != "QuestionnaireResponse":
        raise ResponseError(400, [Issue("structure", "Send one FHIR R4 QuestionnaireResponse "
                                        "(a JSON object with \"resourceType\": "
                                        "\"QuestionnaireResponse\").")])
    if _too_deep(data):
        raise ResponseError(400, [Issue("too-costly", f"The response nests more than "
                                        f"{MAX_DEPTH} levels deep.")])
    try:
        return QuestionnaireResponse.model_validate(data)
    except ValidationError as exc:
        issues = []
        for error in exc.errors(include_input=False, include_url=False):
            path = _fhirpath(tuple(p for p in error["loc"] if p != "__root__"))
            message = ("Unknown element." if error["type"] == "extra_forbidden"
                       else error["msg"])
            issues.append(Issue("structure", f"{path}: {message}", (path,)))
            if len(issues) > MAX_PROBLEMS:
                break
        raise ResponseError(400, issues) from None


def _check_questionnaire(resource: QuestionnaireResponse, canonical: str, version: str) -> None:
    where = ("QuestionnaireResponse.questionnaire",)
    if not resource.questionnaire:
        raise ResponseError(422, [Issue("required", "Say which Questionnaire was answered: "
                                        f"\"questionnaire\": \"{canonical}|{version}\".", where)])
    url, _, answered = str(resource.questionnaire).partition("|")
    if url != canonical:
        raise ResponseError(422, [Issue("not-found", f"This service evaluates answers to "
                                        f"{canonical}, not {short(url)}.", where)])
    if answered and answered != version:
        raise ResponseError(422, [Issue("business-rule", f"These answers are to version "
                                        f"{short(answered)}; the current version is {version}. "
                                        "Fetch the Questionnaire again and answer that.",
                                        where)])
    if resource.status not in EVALUATED_STATUSES:
        raise ResponseError(422, [Issue("business-rule", "Only a finished response is "
                                        f"evaluated: status is {short(resource.status)}, send "
                                        "'completed'.", ("QuestionnaireResponse.status",))])


def _items(items: list[QuestionnaireResponseItem] | None):
    """Every item at any depth (inside groups, or nested under an answer), in order."""
    pending = list(reversed(items or []))
    while pending:
        item = pending.pop()
        yield item
        children = [*(item.item or []), *(c for a in item.answer or [] for c in a.item or [])]
        pending += reversed(children)


def _value(question: Question, item: QuestionnaireResponseItem) -> tuple[Any, list[Issue]]:
    """The plain value of one answered item, or the issues that stop it."""
    where = (question.id,)
    answers = item.answer or []
    if question.kind == "integer":
        if len(answers) != 1 or answers[0].valueInteger is None:
            return None, [Issue("value", f"'{question.id}' takes one whole number "
                                "(valueInteger).", where)]
        return answers[0].valueInteger, []
    codes, issues = [], []
    system = coding_system(question.id)
    for answer in answers:
        coding = answer.valueCoding
        if coding is None or coding.code is None:
            issues.append(Issue("value", f"'{question.id}' takes codes (valueCoding) from "
                                f"{system}.", where))
        elif coding.system != system:
            issues.append(Issue("code-invalid", f"'{question.id}' codes come from the system "
                                f"{system}, not {short(coding.system)}.", where))
        elif coding.code not in question.value_set:
            issues.append(Issue("code-invalid", f"'{question.id}' has no code {short(coding.code)}"
                                f"{did_you_mean(coding.code[:40], question.values)}; choose from: "
                                f"{', '.join(question.values)}.", where))
        else:
            codes.append(coding.code)
    if question.kind == "single" and len(answers) > 1:
        issues.append(Issue("value", f"'{question.id}' takes one answer, not {len(answers)}.",
                            where))
    if issues:
        return None, issues
    return (codes if question.kind == "multiple" else codes[0]), []


def _answers(resource: QuestionnaireResponse) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    issues: list[Issue] = []
    displays = display_link_ids()
    for item in _items(resource.item):
        link_id = item.linkId
        question = QUESTIONS.get(link_id)
        if question is None:
            if link_id in GROUP_IDS or link_id in displays:
                if item.answer:
                    issues.append(Issue("structure", f"'{link_id}' is not a question and takes "
                                        "no answer.", (link_id,)))
                continue
            known = [*QUESTIONS, *GROUP_IDS]
            issues.append(Issue("structure", f"This Questionnaire has no item {short(link_id)}"
                                f"{did_you_mean(link_id[:40], known)}.", (link_id[:80],)))
        elif link_id in answers:
            issues.append(Issue("duplicate", f"'{link_id}' is answered twice; put every answer "
                                "to a question in one item.", (link_id,)))
        elif item.answer:
            value, problems = _value(question, item)
            problems = problems or [Issue("value", message, (link_id,))
                                    for message in check_value(question, value)]
            issues += problems
            if not problems:
                answers[link_id] = value
    if issues:
        raise ResponseError(422, issues)
    return answers


def read_response(data: Any, canonical: str, version: str) -> ReadResponse:
    """The answer set of a completed response to this Questionnaire, or ResponseError."""
    resource = _parse(data)
    _check_questionnaire(resource, canonical, version)
    answers = _answers(resource)
    kept = prune(answers)
    missing = [Issue("required", f"'{q.id}' is required: {q.prompt}", (q.id,))
               for q in visible_questions(kept) if q.required and q.id not in kept]
    if missing:
        raise ResponseError(422, missing)
    try:
        answers = validate_answers(answers)
    except AnswersError as exc:
        raise ResponseError(422, [Issue("invalid", p) for p in exc.problems]) from None
    language = str(resource.language).split("-")[0] if resource.language else None
    # The client's own JSON, now known to be valid: re-serialising the parsed model costs
    # twice the parse (measured in bench/pages.py) and would only reorder it.
    return ReadResponse(answers, language if language in SUPPORTED else None, data)
