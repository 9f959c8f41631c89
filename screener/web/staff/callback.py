"""What a nurse needs to call a patient back, worded for the worklist: the language to call
in (and whether the patient asked for one other than the nurse's), the best time in words
with its hours, and when it was received on the clinic's clock."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from babel import Locale
from flask import current_app

from ...catalogue.besttime import best_time_words
from ...clinictime import clinic_time
from ...i18n import SUPPORTED
from ...store.blindindex import normal_name
from ...store.casework import WorkItem


@dataclass(frozen=True)
class CallBack:
    language: str  # the language to call in, named in the nurse's language
    code: str  # its code ("es")
    other: bool  # not the nurse's language: the row is flagged
    asked: bool  # the patient's note asks for it
    best_time: str  # "Early evening (5 to 7)", in the nurse's language
    received: str  # "2026-12-04 12:35 CST"


@cache
def _language_words() -> dict[str, str]:
    """Every supported language's name in every supported language ("espanol",
    "spanish", "ingles", "english"), normalised as names are, to its code."""
    return {normal_name(Locale.parse(code).get_display_name(shown_in) or code): code
            for code in SUPPORTED for shown_in in SUPPORTED}


def asked_language(note: str | None) -> str | None:
    """The language a note asks for ("Prefiero que me llamen en español": es), when it
    names exactly one."""
    if not note:
        return None
    words = set(normal_name(note).split())
    named = {code for word, code in _language_words().items() if word in words}
    return named.pop() if len(named) == 1 else None


def language_name(code: str, locale: str) -> str:
    try:
        return Locale.parse(code).get_display_name(locale) or code
    except (ValueError, TypeError):
        return code


def call_back(item: WorkItem, nurse_locale: str) -> CallBack:
    asked = asked_language(item.note)
    code = asked or item.language
    return CallBack(
        language=language_name(code, nurse_locale), code=code, other=code != nurse_locale,
        asked=asked is not None and asked != item.language,
        best_time=(best_time_words(item.contact.best_time, nurse_locale) if item.contact
                   else "-"),
        received=clinic_time(item.created_at, current_app.config.get("TIMEZONE") or "UTC"))
