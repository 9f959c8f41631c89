"""Plausible answer sets built from the catalogue, for property tests and benchmarks.

One walk over the steps, with the choices left to a ``Chooser``: tests pass one backed by
Hypothesis, benchmarks one backed by ``random``; both obey visibility and exclusivity.
And one typical answer set, from each required question's ``example``: the scenario files
and the tests state only what differs from it, so a new question changes none of them.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from .answers import offered_values, prune, question_shown
from .questions import QUESTIONS, STEPS


def with_examples(answers: Mapping[str, Any]) -> dict[str, Any]:
    """``answers`` with each required question it leaves out answered by its example.

    Examples of questions the answers hide stay in (``validate_answers`` drops them), so
    "prior surgery: one" brings the examples of its follow-ups. An answer set that was
    complete is unchanged: it already answers every required question it is asked.
    """
    examples = {q.id: list(q.example) if isinstance(q.example, tuple) else q.example
                for q in QUESTIONS.values() if q.example is not None}
    return examples | dict(answers)


def example_answers() -> dict[str, Any]:
    """The typical complete answer set: every required question's example that applies."""
    return prune(with_examples({}))


class Chooser(Protocol):
    def flip(self) -> bool: ...
    def number(self, low: int, high: int) -> int: ...
    def one(self, options: Sequence[str]) -> str: ...
    def some(self, options: Sequence[str]) -> list[str]: ...


def answer_set(choose: Chooser) -> dict[str, Any]:
    """An answer set a person could give; optional questions are sometimes skipped, and a
    choice not offered with the earlier answers (pregnancy from 60 on) is never made."""
    chosen: dict[str, Any] = {}
    for step in STEPS:
        for qid in step.questions:
            question = QUESTIONS[qid]
            if not question_shown(question, chosen):
                continue
            if not question.required and choose.flip():
                continue
            values = offered_values(question, chosen)
            if question.kind == "integer":
                chosen[qid] = choose.number(question.minimum or 0, question.maximum or 0)
            elif question.kind == "single":
                chosen[qid] = choose.one(values)
            elif question.exclusive and choose.flip():
                chosen[qid] = [choose.one(sorted(question.exclusive))]
            else:
                chosen[qid] = choose.some([v for v in values if v not in question.exclusive])
    return chosen


class RandomChooser:
    """Choices from a seeded ``random.Random``, so a benchmark run can be repeated."""

    def __init__(self, seed: int = 0) -> None:
        self.rng = random.Random(seed)

    def flip(self) -> bool:
        return self.rng.random() < 0.5

    def number(self, low: int, high: int) -> int:
        return self.rng.randint(low, high)

    def one(self, options: Sequence[str]) -> str:
        return self.rng.choice(list(options))

    def some(self, options: Sequence[str]) -> list[str]:
        return self.rng.sample(list(options), self.rng.randint(1, min(3, len(options))))
