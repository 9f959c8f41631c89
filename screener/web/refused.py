"""Post/Redirect/Get for a form that refused a post: what was sent rides in the (encrypted)
session to the form's own GET, which shows it with its messages once, so Back and reload
never meet "Confirm Form Resubmission". The pattern of ``patient.step``, for the pages
that ask many questions at once (the nurse's intake, the staff call) and for sign-in.

What is kept is small and bounded (``kept_answers``), so a tampered post cannot swell the
cookie past what a browser keeps (4 KB).
"""

from __future__ import annotations

from typing import Any

from flask import session
from flask_wtf.csrf import generate_csrf
from werkzeug.datastructures import MultiDict

from ..catalogue.questions import QUESTIONS

# The longest text kept from a refused post: enough to say what was wrong with it.
SHORT = 40
# What stands for a value that is no choice of its question: still refused the same way.
NOT_A_CHOICE = "?"


def kept_answers(question_ids: tuple[str, ...], posted: MultiDict[str, str]
                 ) -> list[int | str]:
    """The answers a refused post made, one entry per question in order: for a question
    with choices, a bit per choice ticked (and one bit past them for any value that is no
    choice); for another, the first value sent, cut short. Small, so a form of every
    question keeps the cookie under what a browser keeps whatever was sent."""
    kept: list[int | str] = []
    for qid in question_ids:
        question, values = QUESTIONS[qid], posted.getlist(qid)
        if question.choices:
            index = {value: bit for bit, value in enumerate(question.values)}
            mask = 0
            for value in values:
                mask |= 1 << index.get(value, len(index))
            kept.append(mask)
        else:
            kept.append(values[0][:SHORT] if values else "")
    return kept


def keep(key: str, **kept: Any) -> None:
    """Hold a refused post for the next GET of its page."""
    session[key] = kept


def take(key: str) -> dict[str, Any] | None:
    """What ``keep`` held under ``key``, once; nothing when there is none or it is not ours."""
    kept = session.pop(key, None)
    return kept if isinstance(kept, dict) else None


def as_formdata(kept: object, question_ids: tuple[str, ...],
                extra: dict[str, str] | None = None) -> MultiDict[str, str]:
    """What ``kept_answers`` kept, as form data again with a fresh CSRF token, so the same
    form validation gives the same messages (nothing for a question it does not hold)."""
    entries = kept if isinstance(kept, list) and len(kept) == len(question_ids) else []
    formdata: MultiDict[str, str] = MultiDict()
    for qid, given in zip(question_ids, entries, strict=False):
        question = QUESTIONS[qid]
        if question.choices and isinstance(given, int) and not isinstance(given, bool):
            for bit, value in enumerate(question.values):
                if given >> bit & 1:
                    formdata.add(qid, value)
            if given >> len(question.values) & 1:
                formdata.add(qid, NOT_A_CHOICE)
        elif not question.choices and isinstance(given, str) and given:
            formdata.add(qid, given)
    for name, value in (extra or {}).items():
        formdata.add(name, value)
    formdata.add("csrf_token", generate_csrf())
    return formdata
