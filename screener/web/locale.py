"""Which language a request gets: the one chosen (kept in the session), else the browser's,
among those the clinic offers. Here, not in screener.i18n, because it needs a request."""

from __future__ import annotations

from functools import cache

from babel import Locale
from flask import current_app, g, request, session
from flask_babel import get_locale

from ..i18n import DEFAULT_LOCALE


def offered_locales() -> list[str]:
    """The languages this clinic offers (``LANGUAGES``), the first being its default."""
    return current_app.config["LANGUAGES"]


@cache
def _locale(code: str) -> Locale:
    return Locale.parse(code)


def select_locale() -> Locale:
    """For Flask-Babel: on staff pages the staff member's language; else a chosen language
    (kept in the session), else the browser's.

    Given as a parsed ``Locale`` (one per language, parsed once), which Flask-Babel keeps
    as it is instead of parsing the code again on every request.
    """
    offered = offered_locales()
    staff = g.get("staff_language")  # the staff area: the staff member's setting
    if staff in offered:
        return _locale(staff)
    chosen = session.get("lang")
    if chosen in offered:
        return _locale(chosen)
    return _locale(request.accept_languages.best_match(offered, default=offered[0]))


def current_locale() -> str:
    """The language of the current request."""
    return str(get_locale() or DEFAULT_LOCALE)
