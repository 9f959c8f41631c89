"""The patient flow as pure functions over the answer set and the pages already done.

No request, no session: the blueprint passes in what it read from the cookie. A page is
one question (``questions.Page``); its visibility comes from the catalogue's declarative
conditions (an emergency answer leaves only the first page).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .answers import question_shown, visible_pages
from .questions import QUESTIONS, URGENT_VALUES, Page


def page_complete(page: Page, answers: dict[str, Any], done: Collection[str]) -> bool:
    """Submitted, and every required question that applies is answered."""
    return page.id in done and all(
        qid in answers for qid in page.questions
        if QUESTIONS[qid].required and question_shown(QUESTIONS[qid], answers))


def first_incomplete(answers: dict[str, Any], done: Collection[str]) -> Page | None:
    return next((p for p in visible_pages(answers) if not page_complete(p, answers, done)), None)


def neighbours(page: Page, answers: dict[str, Any]) -> tuple[Page | None, Page | None]:
    """The pages before and after ``page`` among those this person is asked."""
    pages = visible_pages(answers)
    if page not in pages:
        return None, None
    at = pages.index(page)
    return (pages[at - 1] if at else None), (pages[at + 1] if at + 1 < len(pages) else None)


def progress(page: Page, answers: dict[str, Any]) -> tuple[int, int]:
    """(this page's number, how many pages) among the pages this person is asked."""
    pages = visible_pages(answers)
    return (pages.index(page) + 1 if page in pages else 1), len(pages)


def may_open(page: Page, answers: dict[str, Any], done: Collection[str]) -> bool:
    """A page opens when it applies and every page before it is complete."""
    pages = visible_pages(answers)
    if page not in pages:
        return False
    blocker = first_incomplete(answers, done)
    return blocker is None or pages.index(blocker) >= pages.index(page)


def urgent_flags(answers: dict[str, Any]) -> list[str]:
    """The urgent (see a doctor soon) red flags chosen, in the catalogue's order."""
    chosen = answers.get("red_flags") or []
    return [v for v in chosen if v in URGENT_VALUES]
