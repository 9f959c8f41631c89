"""How long the questions take to read, counted from the words a patient is shown.

The landing page's time estimate comes from here, so it follows the catalogue (and each
language's wording) instead of a number written by hand. Every question is counted, as
if every follow-up applied: the estimate is for a person who reads everything.
"""

from __future__ import annotations

import math
from functools import cache

from ..i18n import t
from .questions import PAGES, QUESTIONS, part_of

# Plain text on a screen: about 200 words a minute for a quick reader, 150 for a slower
# or older one (Brysbaert 2019 puts adult silent reading at 175 to 300).
FAST_WPM, SLOW_WPM = 200, 150
# Per question: the "Why we ask:" lead and, on a choice list, "Choose all that apply."
_LEADS = ("Why we ask:",)


def _texts() -> list[str]:
    texts: list[str] = []
    for page in PAGES:
        question = QUESTIONS[page.question]
        shown = [c for c in question.choices if not page.choices or c.value in page.choices]
        texts += [part_of(page)[1], page.prompt or question.prompt, *_LEADS,
                  page.help or question.help, question.low_label, question.high_label,
                  *(c.label for c in shown)]
        if question.kind == "multiple":
            texts.append("Choose all that apply.")
    return [text for text in texts if text]


def words_to_read(locale: str = "en") -> int:
    """Words on the question pages, in ``locale``."""
    return sum(len(t(text, locale).split()) for text in _texts())


@cache
def reading_minutes(locale: str = "en") -> tuple[int, int]:
    """(quick, slow) minutes to read every question page, rounded out to whole minutes."""
    words = words_to_read(locale)
    return max(1, math.floor(words / FAST_WPM)), math.ceil(words / SLOW_WPM)
