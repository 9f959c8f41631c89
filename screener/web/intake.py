"""Nurse intake: every question on one page, the result with the reasons, a record to paste.

Same forms and the same validation as the patient flow (``forms.read_answers`` over the
whole catalogue). The answers of the current call sit in the session cookie under
``intake``, and the call's details (reference, start time, nurse, outcome, note) under
``intake_call``, until "New call" clears them. Calls are not stored on the server: "New
call" first saves what was asked as an incomplete call and asks before clearing, on a page
that keeps the call's summary to copy or download (the only place it is kept).
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext

from ..catalogue.answers import AnswersError, ValidAnswers
from ..catalogue.questions import (
    EMERGENCY_CONDITION,
    QUESTIONS,
    RED_FLAG_GROUPS,
    STEPS,
    Step,
)
from ..clinictime import clinic_time
from ..engine.do_now import do_now_text
from ..engine.evaluate import Result
from ..exports.nurse import (
    FIELD_NAMES,
    OUTCOMES,
    PATIENT_FIELDS,
    CallRecord,
    nurse_record,
    outcome_label,
    record_parts,
)
from ..exports.registry import Source, find
from ..exports.render import answer_label
from ..forms import form_class, form_data, read_answers
from ..i18n import N_
from . import refused
from .exports import attachment, dated_name
from .extensions import screening
from .locale import current_locale

bp = Blueprint("intake", __name__, url_prefix="/intake")
ALL_QUESTIONS = tuple(q for step in STEPS for q in step.questions)
NOT_ANSWERED = N_("Not answered yet.")
# A refused post, kept in the (encrypted) session until the page shows it once by GET.
REFUSED_POST = "intake_refused"
# The catalogue's emergency condition, as data for the live script on the call page.
EMERGENCY_SCRIPT = EMERGENCY_CONDITION.model_dump(by_alias=True, exclude_none=True)


def _step_groups() -> list[tuple[dict[str, Any] | None, list[Step]]]:
    """Consecutive steps that share a visibility condition, so the page states it once."""
    groups: list[tuple[dict[str, Any] | None, list[Step]]] = []
    for step in STEPS:
        condition = (step.shown_when.model_dump(by_alias=True, exclude_none=True)
                     if step.shown_when else None)
        if groups and groups[-1][0] == condition:
            groups[-1][1].append(step)
        else:
            groups.append((condition, [step]))
    return groups


STEP_GROUPS = _step_groups()
# What the nurse reads after the red-flag question, a group of flags a sentence.
RED_FLAG_SCRIPT = tuple(group.say for group in RED_FLAG_GROUPS)
# The caller's details on the call page, all optional: for the record's "Patient:" line.
CALLER_FIELDS = (
    ("name", N_("Caller's name")),
    ("birth_date", N_("Date of birth")),
    ("clinic_id", N_("Clinic identifier (record number)")),
    ("phone", N_("Phone")),
)


def _with_caller(record: CallRecord) -> CallRecord:
    """The call with the caller's details as typed on the call page."""
    return CallRecord(record.reference, record.started, record.nurse, record.outcome,
                      record.note, record.complete, **{
                          key: request.form.get(f"caller_{key}", "").strip()[:limit]
                          for key, limit in PATIENT_FIELDS})


def _complete(answers: dict[str, Any]) -> bool:
    try:
        screening().valid(answers, complete=True)
    except AnswersError:
        return False
    return True


def _call() -> CallRecord:
    """This call's record, started (with a reference and the time) on first use."""
    record = CallRecord.from_session(session.get("intake_call"))
    if record is None:
        now = datetime.now(UTC)
        record = CallRecord(f"{now:%Y%m%d-%H%M}-{secrets.token_hex(2).upper()}", now)
        session["intake_call"] = record.as_session()
    return record


def _stored() -> ValidAnswers | None:
    """The call's answers: complete ones, or whatever was asked when it ended early."""
    try:
        return screening().valid(session.get("intake"), complete=_call().complete)
    except AnswersError:
        return None


@bp.route("", methods=["GET", "POST"])
def intake() -> Any:
    form_type = form_class(ALL_QUESTIONS)
    record = _call()
    errors: dict[str, str] = {}
    if request.method == "POST":
        record = _with_caller(record)
        session["intake_call"] = record.as_session()
        form = form_type()
        if form.validate():
            leaving = request.form.get("incomplete") == "new"
            ended_early = "incomplete" in request.form
            answers, errors = read_answers(form, ALL_QUESTIONS, {}, require=not ended_early,
                                           missing=NOT_ANSWERED)
            if not errors:
                complete = not ended_early or _complete(answers)
                session["intake"] = answers
                session["intake_call"] = CallRecord(
                    record.reference, record.started, record.nurse,
                    record.outcome or ("" if complete else "ended_early"), record.note,
                    complete, **{key: getattr(record, key) for key, _ in PATIENT_FIELDS}
                ).as_session()
                return redirect(url_for(".confirm_new" if leaving else ".result"))
        # Refused: the page comes back by GET, so Back and reload never ask to resend.
        refused.keep(REFUSED_POST, answers=refused.kept_answers(ALL_QUESTIONS, request.form),
                     ended_early="incomplete" in request.form)
        return redirect(url_for(".intake"), 303)
    kept = refused.take(REFUSED_POST)
    if kept is not None:  # the page again after a post it refused, its messages once
        form = form_type(formdata=refused.as_formdata(kept.get("answers"), ALL_QUESTIONS))
        if form.validate():
            _, errors = read_answers(form, ALL_QUESTIONS, {},
                                     require=kept.get("ended_early") is not True,
                                     missing=NOT_ANSWERED)
    else:
        try:
            earlier = screening().valid(session.get("intake"), complete=False)
        except AnswersError:
            earlier = ValidAnswers()
        form = form_type(data=form_data(earlier))
    return render_template("intake.html", form=form, errors=errors, step_groups=STEP_GROUPS,
                           record=record, caller_fields=CALLER_FIELDS,
                           red_flag_script=RED_FLAG_SCRIPT,
                           questions=QUESTIONS, all_questions=ALL_QUESTIONS,
                           emergency_condition=EMERGENCY_SCRIPT,
                           field_names=FIELD_NAMES), (422 if errors else 200)


@bp.get("/why")
def why() -> str:
    """Why each question is asked, for the nurse to keep open beside the call."""
    return render_template("intake_why.html", steps=STEPS, questions=QUESTIONS)


def _result() -> tuple[ValidAnswers, Result] | None:
    answers = _stored()
    if answers is None:
        return None
    return answers, screening().evaluate(answers, current_locale())


@bp.get("/result")
def result() -> Any:
    found = _result()
    if found is None:
        flash(gettext("There are no answers for this call yet."))
        return redirect(url_for(".intake"))
    answers, outcome = found
    record = _call()
    zone = current_app.config["TIMEZONE"]
    parts = record_parts(outcome, answers, record, zone)
    return render_template("intake_result.html", result=outcome, record=record,
                           summary=parts.text(record.nurse,
                                              outcome_label(record, outcome.locale),
                                              record.note),
                           parts=parts, started=clinic_time(record.started, zone),
                           answer_label=answer_label, locale=current_locale(),
                           outcomes=OUTCOMES, do_now=do_now_text(outcome, nurse=True),
                           questions=QUESTIONS)


@bp.post("/record")
def save_record() -> Response:
    """The nurse's name, the outcome and a note, added to the call's summary."""
    record = _call()
    outcome = request.form.get("outcome", "")
    session["intake_call"] = CallRecord(
        record.reference, record.started, request.form.get("nurse", "").strip()[:80],
        outcome if outcome in OUTCOMES else "", request.form.get("note", "").strip()[:2000],
        record.complete, **{key: getattr(record, key) for key, _ in PATIENT_FIELDS}
    ).as_session()
    if request.form.get("then") == "new":  # "New call…": what was typed is kept first
        return redirect(url_for(".confirm_new"))
    flash(gettext("Added to the summary."))
    return redirect(url_for(".result") + "#summary-title")


@bp.get("/summary.<fmt>")
def summary(fmt: str) -> Response:
    """The nurse's downloads: the formats registered for nurses (the record, JSON)."""
    chosen = find("nurse", "summary", fmt) or abort(404)
    found = _result()
    if found is None:
        return redirect(url_for(".intake"))
    answers, outcome = found
    body = chosen.render(Source(answers, outcome, call=_call(),
                                zone=current_app.config["TIMEZONE"]))
    return attachment(body, chosen, dated_name(chosen))


@bp.get("/new")
def confirm_new() -> str:
    """"New call" asks first, as the patient's "Start over" does. A call with answers is
    shown (saved as incomplete when it was) with its summary to copy or download, because
    clearing is the end of it: calls are not kept on the server."""
    found = _result()
    summary = None
    if found is not None:
        answers, outcome = found
        summary = nurse_record(outcome, answers, _call(), current_app.config["TIMEZONE"])
    return render_template("intake_new.html", summary=summary)


@bp.post("/new")
def new_call() -> Response:
    session.pop("intake", None)
    session.pop("intake_call", None)
    flash(gettext("Ready for a new call: the last answers were cleared."))
    return redirect(url_for(".intake"))
