"""One stored answer from a list shown over several pages (the red flags, in three).

Each page has its own exclusive "None of these"; the answer stored is the one list the
rules, the API and FHIR know: the union of what was ticked on every page, and the
exclusive value only when it was chosen on every page (a blank page is an error, never
a "none": the page's question is required). Pure functions: the patient views call them.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .questions import PAGES, QUESTIONS, Page


def _exclusive(page: Page) -> frozenset[str]:
    return QUESTIONS[page.question].exclusive & frozenset(page.choices)


def shown_as_chosen(page: Page, answers: dict[str, Any], done: Collection[str]) -> list[str]:
    """What ``page`` shows ticked: its part of the stored list; once it was sent with none
    of its own values, the exclusive one (it cannot have been sent blank)."""
    if page.id not in done:
        return []
    stored = answers.get(page.question) or []
    mine = [v for v in page.choices if v in stored and v not in _exclusive(page)]
    return mine or sorted(_exclusive(page))


def merged(page: Page, posted: list[str], stored: list[str] | None) -> list[str]:
    """The stored list after ``page`` was sent with ``posted``: its own values replaced,
    the other pages' kept; the exclusive value alone when nothing is ticked anywhere."""
    question = QUESTIONS[page.question]
    others = [v for v in stored or [] if v not in page.choices
              and v not in question.exclusive]
    chosen = set(others) | {v for v in posted if v not in question.exclusive}
    return [v for v in question.values if v in chosen] or sorted(question.exclusive)


def pages_sharing(page: Page) -> list[Page]:
    """Every page that shows a part of ``page``'s question, in order."""
    return [p for p in PAGES if p.question == page.question and p.split]


def page_answers(page: Page, answers: dict[str, Any]) -> dict[str, Any]:
    """``answers`` as ``page`` is filled in for them: on a page showing part of a list,
    the values of the list that page shows, or else its exclusive one (for tests and
    benchmarks)."""
    if not page.split or page.question not in answers:
        return answers
    ticked = [v for v in page.choices if v in answers[page.question]]
    if not set(ticked) - _exclusive(page):
        ticked = sorted(_exclusive(page))
    return answers | {page.question: ticked}
