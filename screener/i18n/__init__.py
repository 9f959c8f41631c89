"""Languages: which exist and translating catalogue texts (which one a request gets is
the web side's: screener/web/locale.py).

Interface strings and the question catalogue are translated with gettext catalogues in
``screener/translations/<lang>/LC_MESSAGES/messages.po`` (compiled to ``.mo`` when the
package is built or installed); rule texts carry their languages in the YAML. Adding a
language is adding a ``.po`` file, the rule texts and the language's safety word lists
(``engine/language.py``): without those ``screener rules check`` refuses it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache, lru_cache
from pathlib import Path

from babel.support import NullTranslations, Translations
from markupsafe import Markup

TRANSLATIONS_DIR = Path(__file__).resolve().parents[1] / "translations"
DEFAULT_LOCALE = "en"
LANGUAGE_NAMES = {"en": "English", "es": "Español"}


def supported_locales() -> tuple[str, ...]:
    """English plus every language with a catalogue."""
    found = sorted(p.parent.parent.name for p in TRANSLATIONS_DIR.glob("*/LC_MESSAGES/*.po"))
    return (DEFAULT_LOCALE, *[code for code in found if code != DEFAULT_LOCALE])


SUPPORTED = supported_locales()


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalogue for ``locale`` (no-op for English or a missing one)."""
    if locale == DEFAULT_LOCALE:
        return NullTranslations()
    return Translations.load(str(TRANSLATIONS_DIR), [locale])


class InContext(str):
    """A catalogue text with its gettext context (msgctxt), for the same English words that
    another language words apart: "None of these" under the symptoms ("Ninguno de estos")
    and under the health factors ("Ninguna de estas"). It reads as its English text
    everywhere; ``t`` and the templates' gettext translate it with ``pgettext``."""

    context: str

    def __new__(cls, text: str, context: str) -> InContext:
        made = super().__new__(cls, text)
        made.context = context
        return made

    def __reduce__(self) -> tuple[type[InContext], tuple[str, str]]:
        return InContext, (str(self), self.context)


def context_of(text: str) -> str | None:
    """The gettext context of a catalogue text (``InContext``), or None."""
    return text.context if isinstance(text, InContext) else None


def _translated(catalogue: NullTranslations, text: str, context: str | None) -> str:
    return catalogue.pgettext(context, text) if context else catalogue.gettext(text)


def t(text: str, locale: str) -> str:
    """``text`` (an English catalogue string) in ``locale``, falling back to English."""
    return _translated(translations(locale), text, context_of(text)) if text else text


@lru_cache(maxsize=8192)
def _markup_translation(locale: str, text: str, context: str | None) -> Markup:
    """One interface string in one language, markup-safe, looked up once per process
    (the context is part of the key: the same words in two contexts are two strings)."""
    return Markup(_translated(translations(locale), text, context))


def template_gettext(locale: str) -> Callable[..., str]:
    """A gettext for templates, bound to ``locale``'s catalogue once per render.

    The pages bind it as both ``gettext`` and ``_``, so a string costs one call and a
    cached lookup instead of Jinja's alias resolving Flask-Babel's per-string context
    lookups (measured at about half the cost of rendering a step page). Behaves like the
    extension's "newstyle" gettext: the translation is markup-safe and ``%(name)s``
    values are escaped.
    """

    def gettext(text: str, **values: object) -> str:
        translated = _markup_translation(locale, text, context_of(text))
        return translated % values if values else translated

    return gettext


def N_(text: str) -> str:
    """Marks ``text`` for translation where it is defined; translated where it is shown."""
    return text


def name_of(locale: str) -> str:
    return LANGUAGE_NAMES.get(locale, locale)
