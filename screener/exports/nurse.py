"""What the intake nurse says and writes: answer wording in the third person, the call's
script as it is read aloud (``call_script``), short field names and clinical phrases for
the record, and the note for the record itself (``nurse_record``: the intake page, its
download, the staff Copy, ``summary.txt`` and the FHIR export all use it).

The catalogue (``questions.py``) keeps every word of a question, the nurse's included
(``Question.nurse_field``, ``Choice.nurse``, ``Choice.record_name``); this module puts
them together. A choice with no nurse wording is already neutral and is shown as the
patient's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..catalogue.answers import visible_questions
from ..catalogue.besttime import best_time_words
from ..catalogue.conditions import leaves
from ..catalogue.questions import QUESTIONS, RED_FLAG_GROUPS, Question, is_emergency
from ..clinictime import clinic_time
from ..engine.disclaimer import record_disclaimer
from ..engine.do_now import do_now_text
from ..engine.evaluate import Result
from ..i18n import N_, t
from .registry import Format, Source, register
from .render import answers_and_result_json

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
    """What the nurse adds to a call: who took it, when, a reference, a note, the outcome,
    and who the caller is (as much as was given: a name, a date of birth, the clinic's own
    identifier, a phone number). ``outcome`` is an ``OUTCOMES`` key on the intake page, or
    the staff status's label ("Booked") for a submission; ``version`` is the submission's
    answers version (empty on the intake page)."""

    reference: str
    started: datetime
    nurse: str = ""
    outcome: str = ""
    note: str = ""
    complete: bool = True
    name: str = ""
    birth_date: str = ""
    clinic_id: str = ""
    phone: str = ""
    version: str = ""
    best_time: str = ""  # as stored ("evening"): the record words it with its hours

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
                   bool(data.get("complete", True)),
                   **{key: str(data.get(key, ""))[:limit] for key, limit in PATIENT_FIELDS})

    def as_session(self) -> dict[str, Any]:
        return {"reference": self.reference, "started": self.started.isoformat(),
                "nurse": self.nurse, "outcome": self.outcome, "note": self.note,
                "complete": self.complete,
                **{key: getattr(self, key) for key, _ in PATIENT_FIELDS}}


# Who the caller is, as typed on the intake page: each field's name and longest length.
PATIENT_FIELDS: tuple[tuple[str, int], ...] = (
    ("name", 120), ("birth_date", 40), ("clinic_id", 60), ("phone", 40))


def answer_text(qid: str, value: Any, locale: str) -> str:
    """An answer as the nurse reads it (third person), in ``locale``."""
    question = QUESTIONS[qid]
    if isinstance(value, list):
        return ", ".join(t(nurse_label(qid, v), locale) for v in value)
    if question.kind == "integer":
        return t("{value} out of {maximum}", locale).format(value=value,
                                                             maximum=question.maximum)
    return t(nurse_label(qid, value), locale)


def record_answer(qid: str, value: Any, locale: str) -> str:
    """An answer as a short clinical phrase for the record ("herniated disc"): a choice's
    ``record_name``, else its nurse wording."""
    question = QUESTIONS[qid]
    if question.kind == "integer":
        return f"{value}/{question.maximum}"
    names = {c.value: c.record_name or c.nurse or c.spoken for c in question.choices}
    values = value if isinstance(value, list) else [value]
    return ", ".join(t(names.get(v, str(v)), locale) for v in values)


def red_flag_lines(answers: Mapping[str, Any], locale: str) -> list[str]:
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
             t("Red flags denied: {flags}", locale).format(flags=names(absent))]
    if is_emergency(chosen):
        lines.append(t("Emergency answer: screening stopped; caller told to call the "
                       "emergency number now.", locale))
    return lines


# Said by the nurse on an emergency answer: the same words as the call page's script
# (templates/intake.html), so the bench counts what is read.
EMERGENCY_SCRIPT = N_("“What you have told me can be a sign of a serious problem that needs "
                      "care now. Please hang up and call %(number)s now for an ambulance. Do "
                      "not drive yourself, and do not wait for a clinic visit.”")

# The record's one line of safety net (rule 1), in the third person: the signs the caller
# was told to call the emergency number for; the patient's paragraph stays the patient's.
RECORD_SAFETY_NET = N_("Safety net given: {number} for cauda equina signs or worsening "
                       "weakness.")
# Guidance the record names a line each; the rest (reading) is counted on one line.
LEADING_CATEGORIES = ("urgent", "discuss")


def call_script(answers: Mapping[str, Any], result: Result | None = None,
                locale: str = "en", emergency_number: str = "911") -> list[str]:
    """What the nurse reads aloud on this call, in order: one sentence per question that
    applies, the red flags in their spoken groups, the emergency script when it is one, and
    what to tell the caller at the end (with ``result``). Options are not in it: the page
    shows them, to read only when the caller hesitates."""
    lines: list[str] = []
    for question in visible_questions(answers):
        lines.append(t(question.spoken, locale))
        if question.id == "red_flags":
            lines += [t(group.say, locale) for group in RED_FLAG_GROUPS]
            if is_emergency(answers.get("red_flags")):
                lines.append(t(EMERGENCY_SCRIPT, locale) % {"number": emergency_number})
    if result is not None and not result.emergency:
        if result.topics:
            lines.append(result.topics[0].title.in_locale(locale) + ".")
        lines.append(t(do_now_text(result, nurse=True), locale))
    return lines


def _report_lines(answers: Mapping[str, Any], shown: list[Question], loc: str) -> list[str]:
    """The answers, a line per question in short clinical phrases; a follow-up's answer
    joins its question's line ("Scans: MRI, within 12 months")."""
    lines: dict[str, list[str]] = {}
    for question in shown:
        if question.id not in answers or question.id == "red_flags":
            continue
        parents = [leaf.question for leaf in leaves(question.shown_when)] \
            if question.shown_when else []
        parent = next((qid for qid in parents if qid in lines), None)
        phrase = record_answer(question.id, answers[question.id], loc)
        if parent:
            lines[parent].append(phrase)
        else:
            lines[question.id] = [f"{t(field_name(question.id), loc)}: {phrase}"]
    return [", ".join(parts) for parts in lines.values()]


def _who(record: CallRecord, loc: str) -> str:
    parts = [record.name or t("name not given", loc)]
    if record.birth_date:
        parts.append(t("born {date}", loc).format(date=record.birth_date))
    if record.clinic_id:
        parts.append(t("clinic ID {id}", loc).format(id=record.clinic_id))
    if record.phone:
        parts.append(t("phone {phone}", loc).format(phone=record.phone))
    if record.best_time:
        words = best_time_words(record.best_time, loc)
        parts.append(t("best time {time}", loc).format(time=words[:1].lower() + words[1:]))
    return t("Patient: {who}", loc).format(who=", ".join(parts))


@dataclass(frozen=True)
class RecordParts:
    """The record around what the nurse types: the first line (with ``{nurse}``), the body,
    the outcome and note lines (with ``{outcome}``, ``{note}``) and the last line. The call
    page's script fills the same parts as the nurse types (static/buttons.js), so the copy
    text and the server's text are one wording."""

    first: str
    body: str
    outcome: str
    note: str
    last: str

    def text(self, nurse: str, outcome: str, note: str) -> str:
        lines = [self.first.replace("{nurse}", nurse or "-"), self.body,
                 self.outcome.replace("{outcome}", outcome or "-")]
        if note:
            lines.append(self.note.replace("{note}", note))
        return "\n".join([*lines, self.last]) + "\n"


def outcome_label(record: CallRecord, locale: str) -> str:
    """The call's outcome in words: an intake outcome, or a staff status's label as given."""
    return record.outcome and t(OUTCOMES.get(record.outcome, record.outcome), locale)


def record_parts(result: Result, answers: Mapping[str, Any], record: CallRecord,
                 zone: str = "UTC", locale: str | None = None) -> RecordParts:
    """The parts of ``nurse_record`` that do not change as the nurse types."""
    loc = locale or result.locale
    first = t("Spine screening call, {when}, taken by {nurse}", loc).replace(
        "{when}", clinic_time(record.started, zone))
    if not record.complete:
        first += ". " + t("INCOMPLETE: the call ended before every question was asked", loc)
    reference = t("Reference: {ref}", loc).format(ref=record.reference)
    version = t("rules {version}", loc).format(version=result.ruleset_version)
    if record.version:
        version += ", " + t("answers v{number}", loc).format(number=record.version)
    lines = [_who(record, loc), f"{reference} ({version})"]
    lines += red_flag_lines(answers, loc)
    shown = visible_questions(answers)
    lines += _report_lines(answers, shown, loc)
    not_asked = [t(field_name(q.id), loc) for q in shown if q.id not in answers]
    if not_asked:
        lines.append(t("Not asked: {fields}", loc).format(fields="; ".join(not_asked)))
    leading = [topic for topic in result.topics
               if result.emergency or topic.category in LEADING_CATEGORIES]
    lines.append(t("Guidance given:", loc))
    lines += [topic.record_title(loc) for topic in leading]
    if len(result.topics) > len(leading):
        lines.append(t("plus {count} to read", loc).format(
            count=len(result.topics) - len(leading)))
    if not result.topics:
        lines.append(t("no specific guidance", loc))
    if result.safety_net:
        lines.append(t(RECORD_SAFETY_NET, loc).format(number=result.emergency_number))
    return RecordParts(first, "\n".join(lines), t("Outcome: {outcome}", loc),
                       t("Note: {note}", loc), record_disclaimer(result.emergency_number, loc))


def nurse_record(result: Result, answers: Mapping[str, Any], record: CallRecord,
                 zone: str = "UTC", locale: str | None = None) -> str:
    """The call as the nurse pastes it into the record (EHR): third person, short clinical
    phrases, no rule ids and no patient text; who, when (on the clinic's clock, ``zone``),
    who took it, the red flags, the answers, the guidance a line each, the outcome and the
    note. One line of safety net (not after an emergency) and one line of disclaimer, last,
    both added here so no caller can leave them out. The intake page, its download, the
    staff copy, ``summary.txt`` and the FHIR note all use this text. ``locale`` is the
    reader's language (the staff pages'), when it is not the result's."""
    loc = locale or result.locale
    return record_parts(result, answers, record, zone, loc).text(
        record.nurse, outcome_label(record, loc), record.note)


def _record_of(source: Source) -> str:
    """The record of ``source``: its call (the intake page's, or a submission's as staff
    hold it), or a bare one for a command with none."""
    call = source.call or CallRecord(source.submission.reference if source.submission else "",
                                     source.submission.sent_at if source.submission
                                     else datetime.now(UTC))
    return nurse_record(source.result, source.answers, call, source.zone, source.locale)


# One record, one wording: the intake page's download and the staff's summary.txt.
RECORD = register(Format("nurse-record", "text/plain", "txt", frozenset({"nurse", "staff"}),
                         _record_of, label=N_("Download text"), rank=10))
RECORD_JSON = register(Format("nurse-json", "application/json", "json", frozenset({"nurse"}),
                              answers_and_result_json, label=N_("Download JSON"), rank=20))
