"""Held-out answer sets for the result page, and how to read its layout and printed pages.

The sets are seeded draws from the catalogue (``sampling.RandomChooser``) with seeds no
other test or benchmark uses, chosen by what their result leads with, plus the draw whose
guidance is the longest: the page was laid out against the tests' own answer sets, and is
checked on these. Used by tests/browser/test_result_screen.py, tests/test_result_print.py
and bench/result_page.py.
"""

from __future__ import annotations

import io
from functools import lru_cache
from typing import Any

from screener.catalogue.answers import validate_answers
from screener.catalogue.sampling import RandomChooser, answer_set
from screener.engine.evaluate import Result, evaluate
from screener.engine.loader import load_ruleset
from screener.resources import data_dir

SEEDS = range(9000, 9400)
# What a result leads with: its first topic's category ("other" when it has no topic).
LEADS = ("urgent", "discuss", "other")


def _length(result: Result, locale: str = "es") -> int:
    """Characters of guidance a result prints (Spanish runs longer than English)."""
    return sum(len(t.title.in_locale(locale)) + len(t.body.in_locale(locale))
               + sum(len(q.in_locale(locale)) for q in t.ask) for t in result.topics)


def _lead(result: Result) -> str:
    category = result.topics[0].category if result.topics else "other"
    return category if category in LEADS else "other"


@lru_cache(maxsize=1)
def held_out_sets() -> dict[str, dict[str, Any]]:
    """{name: answers}: the first non-emergency draw leading with each of ``LEADS``, and
    the draw with the longest guidance ("longest")."""
    ruleset = load_ruleset(data_dir("rules"))
    chosen: dict[str, dict[str, Any]] = {}
    longest: tuple[int, dict[str, Any]] = (-1, {})
    for seed in SEEDS:
        answers = validate_answers(answer_set(RandomChooser(seed)))
        result = evaluate(ruleset, answers)
        if result.stopped:
            continue
        chosen.setdefault(f"leads with {_lead(result)}", answers)
        longest = max(longest, (_length(result), answers), key=lambda pair: pair[0])
    assert len(chosen) == len(LEADS), f"no draw leads with each of {LEADS}: {list(chosen)}"
    return chosen | {"longest": longest[1]}


def walk(page: Any, base: str, answers: dict[str, Any]) -> None:
    """Answer every page that applies with the mouse, in whichever language the browser
    has chosen, and open the result (past the see-a-doctor-soon card to the next page)."""
    from screener.catalogue.answers import visible_pages

    from .browser.conftest import Person

    person = Person(page, base)
    pages = visible_pages(answers)
    page.goto(base + "/step/" + pages[0].id)
    for number, each in enumerate(pages):
        person.answer_step(answers, each.questions)
        if "/see-a-doctor-soon" in page.url and number + 1 < len(pages):
            page.goto(base + "/step/" + pages[number + 1].id)
    page.goto(base + "/result")


# Bottom edge (px from the top of the page) of the outcome, the next step and the safety
# net on the result page, and of the first of what follows them.
LANDMARKS_JS = """() => {
  const bottom = s => { const e = document.querySelector(s);
    return e ? e.getBoundingClientRect().bottom + window.scrollY : null; };
  const top = s => { const e = document.querySelector(s);
    return e ? e.getBoundingClientRect().top + window.scrollY : null; };
  return {outcome: bottom('.do-now-lead') ?? bottom('#do-now-title'),
          next_step: bottom('.do-now'), safety_net: bottom('#safety-net'),
          keep: top('.keep'), restart: top('.restart'), learn: top('.category-learn'),
          disclaimer: top('#disclaimer')};
}"""


def landmarks(page: Any) -> dict[str, float | None]:
    return page.evaluate(LANDMARKS_JS)


def pdf_pages(pdf: bytes) -> int:
    from pypdf import PdfReader

    return len(PdfReader(io.BytesIO(pdf)).pages)
