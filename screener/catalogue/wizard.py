"""The patient flow as pure functions over the answer set and the steps already done.

No request, no session: the blueprint passes in what it read from the cookie. Step
visibility comes from the catalogue's declarative conditions (an emergency answer leaves
only the first step).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from .answers import question_shown, visible_steps
from .questions import QUESTIONS, URGENT_VALUES, Step


def step_complete(step: Step, answers: dict[str, Any], done: Collection[str]) -> bool:
    """Submitted, and every required question that applies is answered."""
    return step.id in done and all(
        qid in answers for qid in step.questions
        if QUESTIONS[qid].required and question_shown(QUESTIONS[qid], answers))


def first_incomplete(answers: dict[str, Any], done: Collection[str]) -> Step | None:
    return next((s for s in visible_steps(answers) if not step_complete(s, answers, done)), None)


def neighbours(step: Step, answers: dict[str, Any]) -> tuple[Step | None, Step | None]:
    """The steps before and after ``step`` among those this person is asked."""
    steps = visible_steps(answers)
    if step not in steps:
        return None, None
    at = steps.index(step)
    return (steps[at - 1] if at else None), (steps[at + 1] if at + 1 < len(steps) else None)


def progress(step: Step, answers: dict[str, Any]) -> tuple[int, int]:
    """(this step's number, how many steps) among the steps this person is asked."""
    steps = visible_steps(answers)
    return (steps.index(step) + 1 if step in steps else 1), len(steps)


def may_open(step: Step, answers: dict[str, Any], done: Collection[str]) -> bool:
    """A step opens when it applies and every step before it is complete."""
    steps = visible_steps(answers)
    if step not in steps:
        return False
    blocker = first_incomplete(answers, done)
    return blocker is None or steps.index(blocker) >= steps.index(step)


def urgent_flags(answers: dict[str, Any]) -> list[str]:
    """The urgent (see a doctor soon) red flags chosen, in the catalogue's order."""
    chosen = answers.get("red_flags") or []
    return [v for v in chosen if v in URGENT_VALUES]
