"""What the intake nurse sees and writes: answer wording in the third person, short field
names for the record, and the record summary itself.

The catalogue (``questions.py``) keeps the patient's wording and every id and value; this
module only rewords for a nurse. A choice with no nurse wording here is already neutral
and is shown as the catalogue has it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..catalogue.answers import visible_questions
from ..catalogue.questions import QUESTIONS, is_emergency
from ..engine.evaluate import Result
from ..i18n import N_, t
from .render import closing_lines

NURSE_LABELS: dict[tuple[str, str], str] = {
    ("diagnosis", "not_sure"): N_("Not sure, or no one has said"),
    ("imaging_within_12_months", "not_sure"): N_("Not sure"),
    ("main_symptom", "back_pain"): N_("Mostly in the back"),
    ("main_symptom", "leg_pain"): N_("Mostly down the leg (pain, numbness or tingling)"),
    ("main_symptom", "back_and_leg"): N_("In the back and down the leg"),
    ("main_symptom", "neck_or_arm"): N_("In the neck or down the arm"),
    ("treatment_result", "worse"): N_("Felt worse"),
    ("prior_surgery_type", "not_sure"): N_("Not sure"),
    ("prior_surgery_outcome", "still_better"): N_("Still better"),
    ("prior_surgery_outcome", "improved_then_returned"): N_("Got better, then the pain came "
                                                            "back"),
    ("prior_surgery_outcome", "never_improved"): N_("Never got better"),
    ("prior_surgery_outcome", "worse"): N_("Got worse"),
    ("health_factors", "smoking"): N_("Smokes or uses nicotine (including vaping)"),
    ("health_factors", "blood_thinners"): N_("Takes blood thinners"),
    ("health_factors", "opioids"): N_("Takes opioid pain medicine most days"),
    ("health_factors", "pregnant"): N_("Pregnant or may be"),
    ("surgery_preference", "prefer_to_avoid"): N_("Would rather avoid it"),
    ("surgery_preference", "open_to_it"): N_("Open to it"),
    ("surgery_preference", "unsure"): N_("Not sure yet"),
}

# Short names for the record: "Duration: 3 to 6 months", not the whole question.
FIELD_NAMES: dict[str, str] = {
    "red_flags": N_("Red flags"),
    "diagnosis": N_("Diagnosis"),
    "imaging": N_("Scans"),
    "imaging_within_12_months": N_("Latest scan within 12 months"),
    "main_symptom": N_("Main symptom"),
    "symptom_duration": N_("Duration"),
    "pain_score": N_("Average pain, past week"),
    "daily_impact": N_("Daily impact"),
    "treatments_tried": N_("Care tried"),
    "treatment_duration": N_("Care kept up for"),
    "treatment_result": N_("Result of care"),
    "prior_surgery": N_("Past spine surgery"),
    "prior_surgery_when": N_("Last spine surgery"),
    "prior_surgery_type": N_("Kind of surgery"),
    "prior_surgery_outcome": N_("After surgery"),
    "age_band": N_("Age"),
    "health_factors": N_("Health factors"),
    "goals": N_("Goals"),
    "surgery_preference": N_("Feeling about surgery"),
}

# Red flags by short name, so the record lists every one screened on two lines. Values
# of the contract not yet in the catalogue are named here too; any other falls back to
# the patient's label.
RED_FLAG_NAMES: dict[str, str] = {
    "bladder_bowel": N_("new bladder or bowel trouble"),
    "saddle_numbness": N_("saddle numbness or new loss of sexual feeling"),
    "leg_weakness_worsening": N_("leg weakness, bad or worsening"),
    "both_legs_new": N_("new symptoms in both legs"),
    "arm_weakness_worsening": N_("arm weakness, bad or worsening"),
    "chest_pain": N_("chest pain"),
    "neck_artery_signs": N_("sudden neck pain or headache with dizziness, double vision, "
                            "slurred speech or fainting"),
    "neck_injury_nerve": N_("new nerve symptoms after a neck injury"),
    "sudden_severe_pain": N_("sudden severe back or belly pain with feeling faint"),
    "spinal_cord_signs": N_("clumsy hands, unsteady walking or electric-shock feeling"),
    "long_term_steroids": N_("steroid tablets for 3 months or more"),
    "fever": N_("fever or feeling very unwell"),
    "cancer_history": N_("cancer, now or in the past"),
    "weight_loss": N_("weight loss without trying"),
    "infection_risk": N_("infection risk"),
    "night_pain": N_("night pain not eased by rest"),
    "trauma": N_("fall, accident or injury not checked by a doctor"),
}

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

    Red flags carry their read-aloud wording in the catalogue (``Choice.spoken``); the
    other choices are reworded here, or are neutral as the catalogue has them.
    """
    found = NURSE_LABELS.get((question_id, str(value)))
    if found:
        return found
    question = QUESTIONS[question_id]
    choice = next((c for c in question.choices if c.value == value), None)
    return choice.spoken if choice else question.label_of(value)


def field_name(question_id: str) -> str:
    return FIELD_NAMES.get(question_id) or QUESTIONS[question_id].prompt


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
        return "; ".join(t(RED_FLAG_NAMES.get(c.value, c.label), locale)
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
