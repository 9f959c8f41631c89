"""A question's block on a page, drawn once per language and state, then reused.

A question block (``question_block`` in ``_macros.html``) depends only on the question,
the language, the field's name and its answer; drawing the 19 blocks of the intake page
afresh was most of its time. Only blocks whose answer is empty or made of the catalogue's
own values are kept, and never one showing an error: so the store holds nothing a person
typed, and it cannot grow past the catalogue's combinations (it is emptied at ``LIMIT``
anyway). Nothing is kept while templates reload (development), so an edited macro shows.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any

from flask import Flask
from jinja2 import pass_context
from jinja2.runtime import Context, Macro
from markupsafe import Markup

from ..catalogue.questions import Question

LIMIT = 4096


def catalogue_state(question: Question, data: Any) -> Hashable | None:
    """The answer as a key when it is empty or the catalogue's own values; else None."""
    if data is None or data == "" or data == []:
        return ()
    if question.kind == "integer":  # a number, or its text as the form holds it
        low, high = question.minimum or 0, question.maximum or 0
        number = data if data.__class__ is int else None
        if data.__class__ is str and data.isdigit() and str(int(data)) == data:
            number = int(data)
        return data if number is not None and low <= number <= high else None
    if question.kind == "single":
        return data if data.__class__ is str and data in question.value_set else None
    if data.__class__ is list and question.value_set.issuperset(data):
        return tuple(data)
    return None


def drawn_once_of(app: Flask) -> Callable[..., Markup]:
    """``drawn_once(macro, field, question, **options)``: ``macro(field, question,
    **options)``, from the store when this state was drawn before."""
    drawn: dict[Hashable, Markup] = {}

    @pass_context
    def drawn_once(context: Context, macro: Macro, field: Any, question: Question,
                   **options: Any) -> Markup:
        state = None if field.errors else catalogue_state(question, field.data)
        if state is None or app.jinja_env.auto_reload:
            return macro(field, question, **options)
        key = (macro.name, context.get("locale"), question.id, field.name, field.id, state,
               tuple((k, tuple(v) if isinstance(v, list) else v)
                     for k, v in sorted(options.items())))
        found = drawn.get(key)
        if found is None:
            found = macro(field, question, **options)
            if len(drawn) >= LIMIT:
                drawn.clear()
            drawn[key] = found
        return found

    return drawn_once
