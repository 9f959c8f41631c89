"""Question blocks on a page, drawn once per language and state, then reused.

A question block (``question_block`` in ``_macros.html``) depends only on the question,
the language, the field's name and its answer; drawing the 19 blocks of the intake page
afresh was most of its time. The intake page's questions as a whole (headings, links and
blocks) are kept the same way, keyed on every answer's state. Only drawings whose answers
are empty or made of the catalogue's own values are kept, and never one showing an error:
so the store holds nothing a person typed, and it cannot grow past the catalogue's
combinations (it is emptied at ``LIMIT`` blocks or ``FORM_LIMIT`` whole forms anyway, so a
worker holds a few megabytes at most). Nothing is kept while templates reload
(development), so an edited macro shows. What a drawing may depend on besides the answers
and the language must be passed to it as an option, so that it is part of the key.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any

from flask import Flask
from jinja2 import pass_context
from jinja2.runtime import Context, Macro
from markupsafe import Markup

from ..catalogue.questions import QUESTIONS, Question

LIMIT = 4096  # question blocks: about 1 KB each
FORM_LIMIT = 64  # whole forms (the intake page's questions): about 18 KB each


def catalogue_state(question: Question, data: Any) -> Hashable | None:
    """The answer as a key when it is empty or the catalogue's own values; else None."""
    if data is None or data == "" or data == []:
        return ()
    if question.kind == "integer":  # a number, or its text as the form holds it
        low, high = question.minimum or 0, question.maximum or 0
        number = data if data.__class__ is int else None
        if data.__class__ is str and data.isdecimal() and str(int(data)) == data:
            number = int(data)
        return data if number is not None and low <= number <= high else None
    if question.kind == "single":
        return data if data.__class__ is str and data in question.value_set else None
    if data.__class__ is list and question.value_set.issuperset(data):
        return tuple(data)
    return None


def field_state(field: Any, question: Question) -> Hashable | None:
    """A form field's answer as a key (see ``catalogue_state``); None when it shows an error."""
    return None if field.errors else catalogue_state(question, field.data)


def _options_key(options: dict[str, Any]) -> tuple[Any, ...]:
    return tuple((k, tuple(v) if isinstance(v, list) else v) for k, v in sorted(options.items()))


class Drawings:
    """One app's store of drawn fragments, and the template helpers that use it.

    ``drawn_once(macro, field, question, **options)`` is ``macro(field, question,
    **options)``; ``all_drawn_once(macro, form, question_ids, **options)`` is
    ``macro(form, **options)`` for a macro that draws those questions of ``form``. Each
    comes from the store when the same drawing was made before.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.blocks: dict[Hashable, Markup] = {}
        self.forms: dict[Hashable, Markup] = {}

    def _kept(self, store: dict[Hashable, Markup], limit: int, key: Hashable,
              draw: Callable[[], Markup]) -> Markup:
        if self.app.jinja_env.auto_reload:
            return draw()
        found = store.get(key)
        if found is None:
            found = draw()
            if len(store) >= limit:
                store.clear()
            store[key] = found
        return found

    @pass_context
    def drawn_once(self, context: Context, macro: Macro, field: Any, question: Question,
                   **options: Any) -> Markup:
        state = field_state(field, question)
        if state is None:
            return macro(field, question, **options)
        key = (macro.name, context.get("locale"), question.id, field.name, field.id, state,
               _options_key(options))
        return self._kept(self.blocks, LIMIT, key, lambda: macro(field, question, **options))

    @pass_context
    def all_drawn_once(self, context: Context, macro: Macro, form: Any,
                       question_ids: Iterable[str], **options: Any) -> Markup:
        states = []
        for qid in question_ids:
            field = form[qid]
            state = field_state(field, QUESTIONS[qid])
            if state is None:
                return macro(form, **options)
            states.append((field.name, field.id, state))
        key = (macro.name, context.get("locale"), tuple(states), _options_key(options))
        return self._kept(self.forms, FORM_LIMIT, key, lambda: macro(form, **options))

    def helpers(self) -> dict[str, Callable[..., Markup]]:
        """The template globals."""
        return {"drawn_once": self.drawn_once, "all_drawn_once": self.all_drawn_once}
