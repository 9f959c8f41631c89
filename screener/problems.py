"""Problems found in rule files, scenario files and answer sets.

Content owners fix what they can locate: every problem carries the file, the line, the
rule or topic it belongs to, and a "did you mean" where a near name exists.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong, with where it is."""

    file: str
    line: int
    message: str
    owner: str | None = None

    def __str__(self) -> str:
        owner = f"{self.owner}: " if self.owner else ""
        return f"{self.file}:{self.line}: {owner}{self.message}"


class ConfigError(RuntimeError):
    """A setting the app cannot run without is missing or unsafe.

    Here, beside ProblemsError, rather than in config.py: the store raises its own kinds
    (a missing data key, a schema behind) without importing the settings and what they use.
    """


class ProblemsError(Exception):
    """Raised with every problem at once, so one run shows the whole list."""

    def __init__(self, problems: Iterable[Problem | str], heading: str) -> None:
        self.problems = list(problems)
        self.heading = heading
        super().__init__(self.report())

    def report(self) -> str:
        lines = [f"{self.heading} ({len(self.problems)} problem(s)):"]
        lines += [f"  {problem}" for problem in self.problems]
        return "\n".join(lines)


def did_you_mean(word: str, known: Iterable[str]) -> str:
    """A " (did you mean 'x'?)" suffix when ``word`` is close to a known name."""
    match = difflib.get_close_matches(str(word), list(known), n=1, cutoff=0.6)
    return f" (did you mean '{match[0]}'?)" if match else ""
