"""What the intake nurse sees and writes: answer wording in the third person, short field
names for the record, and the record summary itself.

The catalogue (``questions.py``) keeps every word of a question, the nurse's included
(``Question.nurse_field``, ``Choice.nurse``, ``Choice.record_name``); this module puts
them together. A choice with no nurse wording is already neutral and is shown as the
patient's.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..catalogue.answers import visible_questions
from ..catalogue.questions import QUESTIONS, is_emergency
from ..engine.evaluate import Result
from ..i18n import N_, t
from .registry import Format, register
from .render import answers_and_result_json, closing_lines

# Short names for the record: "Duration: 3 to 6 months", not the whole question.
FIELD_NAMES: dict[str, str] = {q.id: q.nurse_field for q in QUESTIONS.values()
                               if q.nurse_field}

OUTCOMES: dict[str, str] = {
    "guidance_given": N_("Guidance given, no visit booked"),
    "visit_booked": N_("Visit booked"),
    "callback": N_("Call back arranged"),
    "see_doctor_soon": N_("Told to see a doctor soon"),
    "sent_to_emergency": N_("Told to call the emergency number now"),
    "ended_early": N_("Call ended early"),
}


def nurse_label(question_id: str, value: object) -> str:
    """The English nurse wording of one answer value (a catalogue string).

    A choice's third-person wording (``Choice.nurse``), else what is read aloud for it
    (``Choice.spoken``: red flags), else the patient's label.
    """
    question = QUESTIONS[question_id]
    choice = next((c for c in question.choices if c.value == value), None)
    if choice is None:
        return question.label_of(value)
    return choice.nurse or choice.spoken


def field_name(question_id: str) -> str:
    return QUESTIONS[question_id].nurse_field or QUESTIONS[question_id].prompt


@dataclass(frozen=True)
class CallRecord:
    """What the nurse adds to a call: who took it, when, a reference, a note, the outcome."""

    reference: str
    started: datetime
    nurse: str = ""
    outcome: str = ""
    note: str = ""
    complete: bool = True

    @classmethod
    def from_session(cls, data: object) -> CallRecord | None:
        if not isinstance(data, dict):
            return None
        try:
            started = datetime.fromisoformat(str(data["started"]))
        except (KeyError, ValueError):
            return None
        outcome = data.get("outcome", "")
        return cls(str(data.get("reference", "")), started, str(data.get("nurse", ""))[:80],
                   outcome if outcome in OUTCOMES else "", str(data.get("note", ""))[:2000],
                   bool(data.get("complete", True)))

    def as_session(self) -> dict[str, Any]:
        return {"reference": self.reference, "started": self.started.isoformat(),
                "nurse": self.nurse, "outcome": self.outcome, "note": self.note,
                "complete": self.complete}


def answer_text(qid: str, value: Any, locale: str) -> str:
    """An answer as the nurse reads it (third person), in ``locale``."""
    question = QUESTIONS[qid]
    if isinstance(value, list):
        return ", ".join(t(nurse_label(qid, v), locale) for v in value)
    if question.kind == "integer":
        return t("{value} out of {maximum}", locale).format(value=value,
                                                             maximum=question.maximum)
    return t(nurse_label(qid, value), locale)


def red_flag_lines(answers: dict[str, Any], locale: str) -> list[str]:
    """Every red flag screened, by name: those reported, then those denied."""
    if "red_flags" not in answers:
        return [t("Red flags: not asked", locale)]
    question = QUESTIONS["red_flags"]
    chosen = set(answers["red_flags"])
    flags = [c for c in question.choices if c.level]
    present = [c for c in flags if c.value in chosen]
    absent = [c for c in flags if c.value not in chosen]

    def names(choices: list[Any]) -> str:
        return "; ".join(t(c.record_name or c.label, locale)
                         for c in choices) or t("none", locale)

    lines = [t("Red flags reported: {flags}", locale).format(flags=names(present)),
             t("Red flags asked about and denied: {flags}", locale).format(flags=names(absent))]
    if is_emergency(chosen):
        lines.append(t("Emergency answer: screening stopped; caller told to call the "
                       "emergency number now.", locale))
    return lines


def record_text(result: Result, answers: dict[str, Any], record: CallRecord) -> str:
    """The call as the nurse pastes it into the record: third person, short, no rule ids;
    ends with the safety net (unless an emergency) and the referral disclaimer, like every
    result."""
    loc = result.locale
    status = (t("complete", loc) if record.complete
              else t("INCOMPLETE: the call ended before every question was asked", loc))
    lines = [t("Spine screening intake call", loc),
             t("Date and time: {when}", loc).format(when=record.started.strftime(
                 "%Y-%m-%d %H:%M %Z").strip()),
             t("Reference: {ref}", loc).format(ref=record.reference),
             t("Rule set version: {version}", loc).format(version=result.ruleset_version),
             t("Taken by: {nurse}", loc).format(nurse=record.nurse or "-"),
             t("Status: {status}", loc).format(status=status), ""]
    lines += red_flag_lines(answers, loc)
    lines += ["", t("Caller reports:", loc)]
    shown = visible_questions(answers)
    lines += [f"- {t(field_name(q.id), loc)}: {answer_text(q.id, answers[q.id], loc)}"
              for q in shown if q.id in answers and q.id != "red_flags"]
    not_asked = [t(field_name(q.id), loc) for q in shown if q.id not in answers]
    if not_asked:
        lines.append(t("Not asked: {fields}", loc).format(fields="; ".join(not_asked)))
    titles = "; ".join(topic.title.in_locale(loc) for topic in result.topics)
    lines += ["", t("Guidance given: {topics}", loc).format(
        topics=titles or t("no specific guidance", loc))]
    lines += [t("Outcome: {outcome}", loc).format(
        outcome=t(OUTCOMES[record.outcome], loc) if record.outcome else "-")]
    if record.note:
        lines.append(t("Note: {note}", loc).format(note=record.note))
    return "\n".join(lines + closing_lines(result)) + "\n"


RECORD = register(Format("nurse-record", "text/plain", "txt", frozenset({"nurse"}),
                         lambda source: record_text(source.result, dict(source.answers),
                                                    source.call),
                         label=N_("Download text"), rank=10))
RECORD_JSON = register(Format("nurse-json", "application/json", "json", frozenset({"nurse"}),
                              answers_and_result_json, label=N_("Download JSON"), rank=20))
