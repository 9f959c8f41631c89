"""Blueprints, one per audience, plus error pages and the clinic's details for templates."""

from __future__ import annotations

from functools import lru_cache
from typing import Any, NamedTuple

from flask import Flask, flash, request, session
from flask_babel import gettext, refresh
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup

from ..catalogue.conditions import leaves
from ..catalogue.questions import QUESTIONS
from ..engine.do_now import do_now_text
from ..engine.rulemodels import CATEGORIES
from ..exports.nurse import nurse_label
from ..exports.registry import formats_for
from ..i18n import N_, name_of, template_gettext
from .api import bp as api
from .errors import register_error_pages
from .fhir import bp as fhir
from .fragments import Drawings
from .handoff import bp as handoff
from .handoff import init_handoff
from .intake import bp as intake
from .links import make_fixed_url, make_switch_url
from .locale import current_locale
from .pages import bp as info
from .pages import clinic_template_values, register_clinic_assets
from .patient import bp as patient
from .saving import bp as saving
from .saving import init_saving
from .security import init_security, ops
from .staff import bp as staff
from .staff import init_staff
from .state import EncryptedCookieSessions, is_staff_path
from .timeout import bp as timeout
from .timeout import init_timeout, lands_on_timeout_page
from .watch import bp as watch
from .watch import init_watch

TIMED_OUT = N_("To keep your answers private, we cleared them after %(minutes)s minutes "
               "without activity. You can start again whenever you are ready.")

CATEGORY_HEADINGS = {
    "urgent": N_("Act on this first"),
    "discuss": N_("To talk about with a spine specialist"),
    "prepare": N_("To get ready for your visit"),
    "risk": N_("Health factors to talk about"),
    "learn": N_("To learn more"),
}


def register(app: Flask) -> None:
    app.session_interface = EncryptedCookieSessions()
    register_clinic_assets(app)
    init_security(app, api, fhir)
    # Every blueprint, registered here and nowhere else.
    for blueprint in (ops, patient, intake, api, fhir, handoff, saving, info, staff, watch,
                      timeout):
        app.register_blueprint(blueprint)
    init_handoff(app)
    init_saving(app)
    init_staff(app)
    register_error_pages(app)
    init_watch(app)
    fixed_url = make_fixed_url()
    app.jinja_env.globals.update(nurse_label=nurse_label, do_now_text=do_now_text,
                                 formats_for=formats_for,
                                 option_rows=option_rows, fixed_url=fixed_url,
                                 switch_url=make_switch_url(fixed_url),
                                 **Drawings(app).helpers(),
                                 shown_when_attributes=shown_when_attributes(app))
    app.jinja_env.filters["leaf_questions"] = lambda cond: sorted(
        {leaf.question for leaf in leaves(cond)})

    @app.before_request
    def say_why_answers_are_gone() -> None:
        """After a time without activity the answers were dropped: say so, kindly, once."""
        if (getattr(session, "timed_out", False) and not is_staff_path(request.path)
                and not lands_on_timeout_page()):  # that page says it itself
            flash(gettext(TIMED_OUT, minutes=app.config["SESSION_IDLE_MINUTES"]))

    @app.before_request
    def choose_language() -> None:
        """``?lang=es`` on any page switches language and keeps it for the session."""
        if not request.environ.get("QUERY_STRING"):
            return  # most requests: no query string to parse
        wanted = request.args.get("lang")
        if wanted in app.config["LANGUAGES"] and session.get("lang") != wanted:
            session["lang"] = wanted
            refresh()

    init_timeout(app)  # after the language is chosen, so the time-out page is in it

    clinic_values = clinic_template_values(app)
    languages = [(code, name_of(code)) for code in app.config["LANGUAGES"]]
    embed_origins = app.config["EMBED_ORIGIN_LIST"]

    @app.context_processor
    def clinic() -> dict[str, Any]:
        """What every page may show: the clinic's details and the language's words, built
        once per app (and per language); only the language and the frame are per request."""
        locale = current_locale()
        translate = template_gettext(locale)
        return {
            "clinic": clinic_values,
            "category_headings": category_headings(locale),
            "locale": locale,
            "gettext": translate,
            "_": translate,
            "languages": languages,
            "embed_origins": embed_origins,
            "embedded": bool(embed_origins)
            and request.headers.get("Sec-Fetch-Dest") == "iframe",
        }


@lru_cache(maxsize=16)
def category_headings(locale: str) -> tuple[tuple[str, str], ...]:
    """The result page's category headings in ``locale``, in their order."""
    translate = template_gettext(locale)
    return tuple((c, translate(CATEGORY_HEADINGS[c])) for c in CATEGORIES)


class OptionRow(NamedTuple):
    """One answer of a question as the pages draw it."""

    value: str
    label: str  # as ``_()`` gives it for catalogue choices; the number itself on a scale
    exclusive: bool


@lru_cache(maxsize=256)
def option_rows(question_id: str, intake: bool, locale: str,
                values: tuple[str, ...] | None = None) -> tuple[OptionRow, ...]:
    """A question's answers, worded (the nurse's words on the intake page) and translated
    once per language: the same as iterating the form field's options, which builds a
    field object per option and looks up its words on every page view. ``values``: only
    these, in this order (a page showing part of a list, or the choices offered)."""
    question = QUESTIONS[question_id]
    if not question.choices:
        low, high = question.minimum or 0, question.maximum or 0
        return tuple(OptionRow(str(n), str(n), False) for n in range(low, high + 1))
    translate = template_gettext(locale)
    by_value = {c.value: c for c in question.choices}
    return tuple(
        OptionRow(c.value, translate(nurse_label(question_id, c.value) if intake else c.label),
                  c.value in question.exclusive)
        for c in (question.choices if values is None else [by_value[v] for v in values]))


def shown_when_attributes(app: Flask) -> dict[str, Markup]:
    """Each question's ``data-shown-when`` (its condition as JSON, for the page's script)
    and ``data-after`` (the questions it depends on), written once at start-up."""
    env = app.jinja_env
    written = {}
    for question in QUESTIONS.values():
        if question.shown_when is None:
            written[question.id] = Markup("")
            continue
        condition = question.shown_when.model_dump(by_alias=True, exclude_none=True)
        written[question.id] = Markup(" data-shown-when='{}' data-after=\"{}\"").format(
            htmlsafe_json_dumps(condition, dumps=env.policies["json.dumps_function"],
                                **env.policies["json.dumps_kwargs"]),
            " ".join(sorted({leaf.question for leaf in leaves(question.shown_when)})))
    return written
