"""Results as data and as text: the shapes every export shares, and the staff's text and
the API's JSON formats.

Every renderer ends with the safety net (on every result but the emergency one) and then
the disclaimer, both taken from the result, so no format can leave them out. The JSON shape
is the CLI's and the API's contract. The staff's text keeps the rule ids and the rule set
version (the patient's own text, in ``patient.py``, does not).
"""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson

from ..catalogue.answers import visible_questions
from ..catalogue.conditions import Answers
from ..catalogue.questions import QUESTIONS, STEP_BY_ID
from ..engine.evaluate import Result
from ..engine.safety_net import safety_net_title
from ..i18n import N_, t
from .registry import Format, Source, Submission, register

# The topic whose questions the nurse's summary lists as "questions the patient may bring".
QUESTIONS_TOPIC = "questions-for-your-specialist"


def answer_label(question_id: str, value: Any, locale: str = "en") -> str:
    """An answer in plain words, as the person chose it, in ``locale``."""
    question = QUESTIONS[question_id]
    if isinstance(value, list):
        return "; ".join(t(question.label_of(v), locale) for v in value)
    if question.kind == "integer":
        return t("{value} out of {maximum}", locale).format(value=value,
                                                             maximum=question.maximum)
    return t(question.label_of(value), locale)


def answered_rows(answers: Answers, locale: str = "en",
                  unanswered: str | None = None) -> list[tuple[str, str, str, str]]:
    """(step title, question id, prompt, answer in words) for every answer that applies;
    with ``unanswered``, also each question that applies but was skipped, with that text
    as its answer (the review, where a skipped question can still be answered)."""
    return [(t(STEP_BY_ID[q.step].title, locale), q.id, t(q.prompt, locale),
             answer_label(q.id, answers[q.id], locale) if q.id in answers else unanswered)
            for q in visible_questions(answers) if q.id in answers or unanswered]


def result_json(result: Result) -> dict[str, Any]:
    return {
        "lang": result.locale,
        "topics": [topic.as_json(result.locale) for topic in result.topics],
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
        "safety_net": result.safety_net,
        "ruleset_version": result.ruleset_version,
        "disclaimer": result.disclaimer,
    }


def result_text(result: Result, answers: Answers, today: date | None = None) -> str:
    """The summary a nurse pastes into the record or a patient prints: answers, guidance,
    the safety net, then the disclaimer, last; in the result's language."""
    loc = result.locale
    stamp = (today or date.today()).isoformat()
    lines = [t("Spine surgery self-screening summary ({date})", loc).format(date=stamp),
             "", t("ANSWERS", loc)]
    lines += [f"- {prompt} {answer}" for _, _, prompt, answer in answered_rows(answers, loc)]
    lines += ["", t("GUIDANCE", loc)]
    rules_word = t("rules", loc)
    for topic in result.topics:
        why = ", ".join(m.rule_id for m in result.why(topic.id))
        lines.append(f"- [{t(topic.category, loc)}] {topic.title.in_locale(loc)} "
                     f"({rules_word}: {why})")
    if not result.topics:
        lines.append(t("- No specific guidance. Bring your questions to your visit.", loc))
    lines += ["", t("Rule set version: {version}", loc).format(version=result.ruleset_version)]
    return "\n".join(lines + closing_lines(result)) + "\n"


def closing_lines(result: Result) -> list[str]:
    """How every text summary ends, the patient's and the nurse's: the questions the
    patient may bring, the safety net (not on the emergency result), the disclaimer last."""
    loc = result.locale
    lines: list[str] = []
    for topic in result.topics:
        if topic.id == QUESTIONS_TOPIC:
            lines += ["", t("QUESTIONS THE PATIENT MAY BRING", loc)]
            lines += [f"- {ask.in_locale(loc)}" for ask in topic.ask]
    if result.safety_net:
        lines += ["", f"{safety_net_title(loc).upper()}: {result.safety_net}"]
    return lines + ["", f"{t('IMPORTANT', loc)}: {result.disclaimer}"]


def as_json(data: dict[str, Any]) -> bytes:
    """JSON as the files and the API send it: UTF-8, keys in order, indented."""
    return orjson.dumps(data, option=orjson.OPT_INDENT_2)


def answers_and_result_json(source: Source) -> bytes:
    """The answers and their result in one document (the nurse's download)."""
    return as_json({"answers": source.answers} | result_json(source.result))


def submission_lines(sent: Submission) -> list[str]:
    """Which submission, version and rule set a staff export is of."""
    whose = (" (the patient's own)" if sent.answers_version == "1"
             else " (confirmed on a call)")
    return [f"Reference code: {sent.reference or '-'}",
            f"Sent by the patient: {sent.sent_at_shown}",
            f"Answers: version {sent.answers_version}{whose}",
            f"Rule set the patient saw: {sent.ruleset_version}", "", ""]


def staff_text(source: Source) -> str:
    """The text summary with its trace (rule ids, the rule set version), headed by the
    submission when there is one: for the staff and rule authors."""
    head = submission_lines(source.submission) if source.submission else []
    return "\n".join(head) + result_text(source.result, source.answers, source.today)


# Staff read the call's record as summary.txt (exports/nurse.py); this is the trace beside
# it, the reason each piece of guidance appeared.
TEXT = register(Format("text", "text/plain", "txt", frozenset({"staff"}), staff_text,
                       label=N_("text with the rules that matched"), slug="trace", rank=30))
JSON = register(Format("json", "application/json", "json", frozenset({"api"}),
                       lambda source: as_json(result_json(source.result)), rank=10))
