"""Nurse intake: every question on one page, the result with the reasons, a summary to paste.

Same forms and the same validation as the patient flow (``forms.read_answers`` over the
whole catalogue). The answers of the current call sit in the session cookie under
``intake`` until "New call" clears them.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext

from .. import evaluate_here
from ..answers import AnswersError, validate_answers
from ..evaluate import Result
from ..forms import form_class, form_data, read_answers
from ..i18n import current_locale
from ..questions import QUESTIONS, STEPS, Step
from ..render import answer_label, result_text
from .exports import download

bp = Blueprint("intake", __name__, url_prefix="/intake")
ALL_QUESTIONS = tuple(q for step in STEPS for q in step.questions)


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


def _stored(complete: bool) -> dict[str, Any] | None:
    try:
        return validate_answers(session.get("intake"), complete=complete)
    except AnswersError:
        return None


@bp.route("", methods=["GET", "POST"])
def intake() -> Any:
    form_type = form_class(ALL_QUESTIONS)
    if request.method == "POST":
        form = form_type()
    else:
        form = form_type(data=form_data(_stored(complete=False) or {}))
    errors: dict[str, str] = {}
    if request.method == "POST" and form.validate():
        answers, errors = read_answers(form, ALL_QUESTIONS, {})
        if not errors:
            session["intake"] = answers
            return redirect(url_for(".result"))
    return render_template("intake.html", form=form, errors=errors, step_groups=STEP_GROUPS,
                           questions=QUESTIONS), (422 if errors else 200)


def _result() -> tuple[dict[str, Any], Result] | None:
    answers = _stored(complete=True)
    if answers is None:
        return None
    return answers, evaluate_here(answers, current_locale())


@bp.get("/result")
def result() -> Any:
    found = _result()
    if found is None:
        flash(gettext("There are no answers for this call yet."))
        return redirect(url_for(".intake"))
    answers, outcome = found
    return render_template("intake_result.html", result=outcome,
                           summary=result_text(outcome, answers), answer_label=answer_label,
                           locale=current_locale(),
                           questions=QUESTIONS)


@bp.get("/summary.<fmt>")
def summary(fmt: str) -> Response:
    if fmt not in ("txt", "json"):
        abort(404)
    found = _result()
    if found is None:
        return redirect(url_for(".intake"))
    return download(found[1], found[0], fmt)


@bp.post("/new")
def new_call() -> Response:
    session.pop("intake", None)
    flash(gettext("Ready for a new call: the last answers were cleared."))
    return redirect(url_for(".intake"))
