"""FHIR R4 views of the catalogue (Questionnaire) and of a screening (QuestionnaireResponse).

Built from the catalogue and the result as plain dicts; the tests validate both with
``fhir.resources``. Visibility conditions become ``enableWhen``; the guidance and the
safety net and the disclaimer travel in the response's narrative, since FHIR has no field
for them.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from markupsafe import escape

from .conditions import AllOf, Answer, AnyOf, Not
from .evaluate import Result
from .i18n import t
from .questions import QUESTIONS, STEPS, Question
from .render import answered_rows
from .safety_net import safety_net_title

QUESTIONNAIRE_ID = "miss-screener"


def coding_system(question_id: str) -> str:
    return f"urn:miss-screener:{question_id}"


def _coding(question: Question, value: str, locale: str = "en") -> dict[str, str]:
    return {"system": coding_system(question.id), "code": value,
            "display": t(question.label_of(value), locale)}


def _enable_when(cond: Answer | AllOf | AnyOf | Not | None, locale: str) -> dict[str, Any]:
    """``enableWhen`` for the condition shapes the catalogue uses (tests cover them all)."""
    if cond is None:
        return {}
    negate = isinstance(cond, Not)
    test = cond.not_ if isinstance(cond, Not) else cond
    if not isinstance(test, Answer) or test.operator not in ("equals", "one_of", "includes_any"):
        raise ValueError(f"no enableWhen form for {cond!r}")
    question = QUESTIONS[test.question]
    values = test.operand if isinstance(test.operand, list) else [test.operand]
    return {
        "enableWhen": [{"question": question.id, "operator": "!=" if negate else "=",
                        "answerCoding": _coding(question, v, locale)} for v in values],
        **({"enableBehavior": "all" if negate else "any"} if len(values) > 1 else {}),
    }


def _item(question: Question, locale: str) -> dict[str, Any]:
    item: dict[str, Any] = {"linkId": question.id, "text": t(question.prompt, locale),
                            "required": question.required}
    if question.kind == "integer":
        item["type"] = "integer"
    else:
        item["type"] = "choice"
        item["repeats"] = question.kind == "multiple"
        item["answerOption"] = [{"valueCoding": _coding(question, c.value, locale)}
                                for c in question.choices]
    return item | _enable_when(question.shown_when, locale)


def questionnaire(base_url: str, disclaimer: str, locale: str = "en") -> dict[str, Any]:
    return {
        "resourceType": "Questionnaire",
        "language": locale,
        "id": QUESTIONNAIRE_ID,
        "url": f"{base_url}/fhir/Questionnaire",
        "version": "1",
        "name": "MissScreener",
        "title": t("Minimally invasive spine surgery: educational self-screening", locale),
        "status": "active",
        "subjectType": ["Patient"],
        "description": disclaimer,
        "item": [{"linkId": step.id, "type": "group", "text": t(step.title, locale),
                  "item": [_item(QUESTIONS[q], locale) for q in step.questions]}
                 | _enable_when(step.shown_when, locale) for step in STEPS],
    }


def _answer(question: Question, value: Any, locale: str) -> list[dict[str, Any]]:
    if question.kind == "integer":
        return [{"valueInteger": value}]
    values = value if isinstance(value, list) else [value]
    return [{"valueCoding": _coding(question, v, locale)} for v in values]


def _narrative(result: Result, answers: dict[str, Any]) -> str:
    loc = result.locale
    rows = "".join(f"<li>{escape(prompt)} {escape(answer)}</li>"
                   for _, _, prompt, answer in answered_rows(answers, loc))
    topics = "".join(f"<li>{escape(topic.title.in_locale(loc))}</li>" for topic in result.topics)
    heads = {"answers": t("Answers", loc), "guidance": t("Guidance", loc),
             "important": t("Important", loc), "none": t("None", loc)}
    heads = {key: escape(value) for key, value in heads.items()}
    net = (f'<p><b>{escape(safety_net_title(loc))}:</b> {escape(result.safety_net)}</p>'
           if result.safety_net else "")
    return (f'<div xmlns="http://www.w3.org/1999/xhtml"><h2>{heads["answers"]}</h2>'
            f'<ul>{rows}</ul><h2>{heads["guidance"]}</h2>'
            f'<ul>{topics or "<li>" + heads["none"] + "</li>"}</ul>'
            f'{net}<p><b>{heads["important"]}:</b> {escape(result.disclaimer)}</p></div>')


def questionnaire_response(answers: dict[str, Any], result: Result, base_url: str,
                           authored: datetime | None = None) -> dict[str, Any]:
    loc = result.locale
    groups = []
    for step in STEPS:
        items = [{"linkId": q, "text": t(QUESTIONS[q].prompt, loc),
                  "answer": _answer(QUESTIONS[q], answers[q], loc)}
                 for q in step.questions if q in answers]
        if items:
            groups.append({"linkId": step.id, "text": t(step.title, loc), "item": items})
    when = (authored or datetime.now(UTC)).isoformat(timespec="seconds")
    return {
        "resourceType": "QuestionnaireResponse",
        "language": loc,
        "status": "completed",
        "questionnaire": f"{base_url}/fhir/Questionnaire",
        "authored": when,
        "text": {"status": "generated", "div": _narrative(result, answers)},
        "item": groups,
    }


def answers_from_response(response: dict[str, Any]) -> dict[str, Any]:
    """The answer set inside a QuestionnaireResponse (the inverse of the builder above)."""
    answers: dict[str, Any] = {}
    for group in response.get("item", []):
        for item in group.get("item", []):
            question = QUESTIONS.get(item.get("linkId"))
            if question is None:
                continue
            values = [a.get("valueInteger", a.get("valueCoding", {}).get("code"))
                      for a in item.get("answer", [])]
            answers[question.id] = values if question.kind == "multiple" else values[0]
    return answers
