"""Forms built from the catalogue, and reading posted answers with the catalogue's rules.

The patient steps and the nurse intake page use the same builder and the same reader, so
a field means the same thing and fails with the same message everywhere. WTForms carries
the fields and CSRF; whether an answer is valid, required or applicable is decided by
``answers.py``, not by a second copy of the rules here.
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cache
from typing import Any

from flask_babel import gettext, pgettext
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectChoice, SelectMultipleField

from .catalogue.answers import (
    check_value,
    exclusive_conflict,
    prune,
    question_shown,
    unoffered,
)
from .catalogue.conditions import leaves
from .catalogue.questions import QUESTIONS, Question
from .i18n import N_, context_of

REQUIRED_MESSAGE = {
    "single": N_("Choose one answer."),
    "integer": N_("Choose a number from 0 to 10."),
    "multiple": N_("Choose at least one answer."),
}
INVALID_MESSAGE = N_("Choose from the answers shown.")
NOT_OFFERED_MESSAGE = N_("“%(choice)s” cannot be chosen with the age given.")
# What is missing, in the words of the question ("Choose how long you have had this pain",
# not "Choose one answer"): ``Question.missing`` in the catalogue. A question without one
# gets REQUIRED_MESSAGE.
MISSING_MESSAGE: dict[str, str] = {q.id: q.missing for q in QUESTIONS.values() if q.missing}


def _field(question: Question) -> Field:
    low, high = question.minimum or 0, question.maximum or 0
    options = ([SelectChoice(str(n)) for n in range(low, high + 1)]
               if question.kind == "integer"
               else [SelectChoice(c.value, c.label) for c in question.choices])
    kind = SelectMultipleField if question.kind == "multiple" else RadioField
    return kind(question.prompt, choices=options, description=question.help,
                validate_choice=False)


@cache
def form_class(question_ids: tuple[str, ...]) -> type[FlaskForm]:
    """A form class with one field per question, named by question id."""
    fields = {qid: _field(QUESTIONS[qid]) for qid in question_ids}
    return type("AnswersForm", (FlaskForm,), fields)


def form_data(answers: dict[str, Any]) -> dict[str, Any]:
    """Stored answers as WTForms field data (numbers as the text of their radio value)."""
    return {qid: str(v) if isinstance(v, int) else v for qid, v in answers.items()}


def _posted_value(question: Question, field: Field) -> tuple[Any, str | None]:
    """(the answer, or None when unanswered; an error message or None)."""
    raw = field.data
    if question.kind == "multiple":  # a box sent twice is one tick, as a browser means it
        values = list(dict.fromkeys(v for v in (raw or []) if v))
        return (values or None), None
    if raw in (None, "", "None"):
        return None, None
    if question.kind == "integer":
        try:
            return int(raw), None
        except (TypeError, ValueError):
            return None, REQUIRED_MESSAGE["integer"]
    return raw, None


def _words(label: str) -> str:
    """A choice's label in the page's language, in its context where it has one."""
    context = context_of(label)
    return pgettext(context, label) if context else gettext(label)


def _exclusive_chosen_with_others(question: Question, value: Any) -> str | None:
    """The exclusive option (``none``, ``not_sure``) chosen alongside others, if any."""
    if question.kind != "multiple" or not exclusive_conflict(question, value):
        return None
    return next(v for v in value if v in question.exclusive)


def _depends_on_answered(question: Question, answers: dict[str, Any]) -> bool:
    """A follow-up question is asked for only once the answer it depends on is given."""
    return question.shown_when is None or all(
        leaf.question in answers for leaf in leaves(question.shown_when))


def read_answers(form: FlaskForm, question_ids: tuple[str, ...],
                 earlier: dict[str, Any], require: bool = True, missing: str | None = None,
                 only: Collection[str] | None = None,
                 ) -> tuple[dict[str, Any], dict[str, str]]:
    """The whole answer set after this post, and an error per field (empty when valid).

    Answers to questions that do not apply are dropped, and a question that does not apply
    is never required; with ``require`` false (a call that ended early) none is.
    ``missing`` replaces the per-question message for an unanswered question (the intake
    page, where the question is right above it and the summary names the field).
    ``only``: the values this page shows (a page showing part of a list); a value it does
    not show is refused, as is a choice not offered with the other answers (pregnancy
    from 60 on).
    """
    errors: dict[str, str] = {}
    posted: dict[str, Any] = {}
    for qid in question_ids:
        question = QUESTIONS[qid]
        value, error = _posted_value(question, form[qid])
        if error:
            errors[qid] = gettext(error)
        elif value is not None:
            alone = _exclusive_chosen_with_others(question, value)
            if alone:
                errors[qid] = gettext("“%(choice)s” cannot be chosen together with other "
                                      "answers.", choice=_words(question.label_of(alone)))
            elif check_value(question, value) or (
                    only is not None and not set(value if isinstance(value, list)
                                                 else [value]) <= set(only)):
                errors[qid] = gettext(INVALID_MESSAGE)
            else:
                posted[qid] = value
    merged = prune({k: v for k, v in earlier.items() if k not in question_ids} | posted)
    for qid in question_ids:
        refused = unoffered(QUESTIONS[qid], merged[qid], merged) if qid in merged else []
        if refused and qid not in errors:
            errors[qid] = gettext(NOT_OFFERED_MESSAGE,
                                  choice=_words(QUESTIONS[qid].label_of(refused[0])))
    for qid in question_ids:
        question = QUESTIONS[qid]
        if (require and qid not in errors and question.required and qid not in merged
                and question_shown(question, merged) and _depends_on_answered(question, merged)):
            errors[qid] = gettext(missing or question.missing
                                  or REQUIRED_MESSAGE[question.kind])
    for qid, message in errors.items():
        form[qid].errors = [message]
    return merged, errors
