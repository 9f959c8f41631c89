"""The referral disclaimer, added by code to every result in every format.

It is not a topic and not a rule, so no rule file can remove or reword it.
"""

from __future__ import annotations

from functools import lru_cache

from ..i18n import t

DEFAULT_EMERGENCY_NUMBER = "911"

DISCLAIMER_TEXT = (
    "This screener gives general information only. It does not diagnose you, and it does "
    "not decide whether surgery is right for you: only a spine specialist who examines you "
    "and looks at your scans can do that. Do not start or stop any treatment because of "
    "it. In an emergency, call {number} (or your local emergency number) now."
)


# Every result asks for it: the text of each (number, language) is worked out once.
@lru_cache(maxsize=64)
def disclaimer(emergency_number: str = DEFAULT_EMERGENCY_NUMBER, locale: str = "en") -> str:
    """The disclaimer in ``locale`` (English when that language has no translation)."""
    return t(DISCLAIMER_TEXT, locale).format(number=emergency_number)


# The nurse's record (exports/nurse.py) ends with this one line instead: the same referral,
# in the third person, to whoever reads the record (its safety-net line, just above it,
# carries the emergency number).
RECORD_DISCLAIMER_TEXT = (
    "Screening only, not a diagnosis or surgical decision; a spine specialist decides."
)


@lru_cache(maxsize=64)
def record_disclaimer(emergency_number: str = DEFAULT_EMERGENCY_NUMBER,
                      locale: str = "en") -> str:
    """The record's one-line disclaimer in ``locale`` (English without a translation)."""
    return t(RECORD_DISCLAIMER_TEXT, locale).format(number=emergency_number)
