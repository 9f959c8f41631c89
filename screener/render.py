"""Results as data and as text: the shapes every export shares.

Every renderer ends with the disclaimer taken from the result, so no format can leave it
out. The JSON shape is the CLI's and the API's contract.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .answers import visible_questions
from .conditions import Answers
from .evaluate import Result
from .questions import QUESTIONS, STEP_BY_ID


def answer_label(question_id: str, value: Any) -> str:
    """An answer in plain words, as the person chose it."""
    question = QUESTIONS[question_id]
    if isinstance(value, list):
        return "; ".join(question.label_of(v) for v in value)
    if question.kind == "integer":
        return f"{value} out of {question.maximum}"
    return question.label_of(value)


def answered_rows(answers: Answers) -> list[tuple[str, str, str, str]]:
    """(step title, question id, prompt, answer in words) for every answer that applies."""
    return [(STEP_BY_ID[q.step].title, q.id, q.prompt, answer_label(q.id, answers[q.id]))
            for q in visible_questions(answers) if q.id in answers]


def result_json(result: Result, locale: str = "en") -> dict[str, Any]:
    return {
        "topics": [t.as_json(locale) for t in result.topics],
        "stopped": result.stopped,
        "trace": [
            {
                "topic": entry.topic_id,
                "rules": [
                    {"id": m.rule_id, "description": m.description, "answers": m.answers}
                    for m in entry.rules
                ],
            }
            for entry in result.trace
        ],
        "disclaimer": result.disclaimer,
    }


def result_text(result: Result, answers: Answers, today: date | None = None,
                locale: str = "en") -> str:
    """The summary a nurse pastes into the record or a patient prints: answers, guidance,
    then the disclaimer, last."""
    lines = [f"Spine surgery self-screening summary ({(today or date.today()).isoformat()})",
             "", "ANSWERS"]
    lines += [f"- {prompt} {answer}" for _, _, prompt, answer in answered_rows(answers)]
    lines += ["", "GUIDANCE"]
    for topic in result.topics:
        why = ", ".join(m.rule_id for m in result.why(topic.id))
        lines.append(f"- [{topic.category}] {topic.title.in_locale(locale)} (rules: {why})")
    if not result.topics:
        lines.append("- No specific guidance. Bring your questions to your visit.")
    lines += ["", f"IMPORTANT: {result.disclaimer}"]
    return "\n".join(lines) + "\n"
