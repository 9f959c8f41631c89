"""How long the screener takes a patient, read to the end of the result.

The landing page's estimate counts every word a patient reads: the question pages
(``catalogue.reading.words_to_read``, as if every follow-up applied) and then the result,
at 200 words a minute. Results differ with the answers, so the range runs from a typical
result (the median) to the longest of the rule set's own scenarios (``rules/tests``).
The emergency and adults-only results are short and end the flow early, and some
scenarios test one rule with a part-filled answer set: the median keeps those from
pulling the low end down to a time few patients would take.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ..catalogue.answers import AnswersError, validate_answers
from ..engine.evaluate import Result
from ..engine.scenarios import load_scenarios
from ..problems import ProblemsError

WORDS_PER_MINUTE = 200


def words(text: str | None) -> int:
    return len((text or "").split())


def result_words(result: Result) -> int:
    """Words a patient reads on ``result``: every topic in full, the safety net and the
    disclaimer (the page's few headings and buttons are not counted)."""
    locale = result.locale
    return words(result.disclaimer) + words(result.safety_net) + sum(
        words(text.in_locale(locale)) for topic in result.topics for _, text in topic.texts())


def minutes(question_words: int, result_sizes: Iterable[int]) -> tuple[int, int]:
    """(typical, most) whole minutes to read the questions and then a result: the median
    and the largest of ``result_sizes`` (words), at ``WORDS_PER_MINUTE``; the questions
    alone when there is no result to go by."""
    sizes = list(result_sizes) or [0]
    low = (question_words + statistics.median_low(sizes)) / WORDS_PER_MINUTE
    high = (question_words + max(sizes)) / WORDS_PER_MINUTE
    return max(1, round(low)), max(1, math.ceil(high))


def example_answers(rules_dir: Path) -> list[Mapping[str, Any]]:
    """The rule set's scenarios as complete answer sets (each filled in with the
    catalogue's examples, as ``screener rules test`` does), those that still hold."""
    found = []
    try:
        scenarios = load_scenarios(rules_dir / "tests")
    except ProblemsError:  # ``screener rules check`` names them; the estimate goes on
        scenarios = []
    for _, scenario in scenarios:
        try:
            found.append(validate_answers(scenario.complete_answers))
        except AnswersError:
            continue
    return found
