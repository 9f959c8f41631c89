"""The patient flow as pure functions over the answer set and the pages already done.

No request, no session: the blueprint passes in what it read from the cookie. A page is
one question (``questions.Page``); its visibility comes from the catalogue's declarative
conditions (an emergency answer leaves only the first page).
"""

from __future__ import annotations

from collections.abc import Collection
from functools import cached_property
from typing import Any

from .answers import visible_pages
from .questions import QUESTIONS, URGENT_VALUES, Page


class Flow:
    """Where one person stands: the pages they are asked, worked out once for a request
    (a step page asks for its neighbours, its number and what is left undone)."""

    def __init__(self, answers: dict[str, Any], done: Collection[str]) -> None:
        self.answers, self.done = answers, done
        self.pages = visible_pages(answers)
        self._at = {page.id: at for at, page in enumerate(self.pages)}

    def complete(self, page: Page) -> bool:
        """Submitted, and answered unless the question may be skipped (every page asked
        shows its question, so only whether it was answered is left to check)."""
        return page.id in self.done and (
            page.question in self.answers or not QUESTIONS[page.question].required)

    @cached_property
    def first_incomplete(self) -> Page | None:
        return next((p for p in self.pages if not self.complete(p)), None)

    def neighbours(self, page: Page) -> tuple[Page | None, Page | None]:
        """The pages before and after ``page`` among those this person is asked."""
        at = self._at.get(page.id)
        if at is None:
            return None, None
        return (self.pages[at - 1] if at else None), (
            self.pages[at + 1] if at + 1 < len(self.pages) else None)

    def progress(self, page: Page) -> tuple[int, int]:
        """(this page's number, how many pages) among the pages this person is asked."""
        return self._at.get(page.id, 0) + 1, len(self.pages)

    def may_open(self, page: Page) -> bool:
        """A page opens when it applies and every page before it is complete."""
        if page.id not in self._at:
            return False
        blocker = self.first_incomplete
        return blocker is None or self._at[blocker.id] >= self._at[page.id]

    def been_past(self, page: Page) -> bool:
        """A later page is done: the person has been beyond ``page`` (say, on the review)."""
        return any(p.id in self.done for p in self.pages[self._at[page.id] + 1:])


def urgent_flags(answers: dict[str, Any]) -> list[str]:
    """The urgent (see a doctor soon) red flags chosen, in the catalogue's order."""
    chosen = answers.get("red_flags") or []
    return [v for v in chosen if v in URGENT_VALUES]
