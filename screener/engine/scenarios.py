"""Scenario files: how content owners test a rule change before it goes live.

Each scenario gives an answer set and the topics expected present, absent, or exactly.
A scenario states only what matters to it: every required question it leaves out takes the
catalogue's example answer (``with_examples``), so adding a question changes no scenario.
Running them reports failures and how much of the rule set they exercised.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import Field, StrictStr, ValidationError

from ..catalogue.answers import AnswersError, validate_answers
from ..catalogue.conditions import Located
from ..catalogue.sampling import with_examples
from ..problems import Problem, ProblemsError, did_you_mean
from ..yamlsource import LineDict, LineList, line_at, load_yaml
from .evaluate import evaluate
from .loader import RuleSet


class Scenario(Located):
    name: StrictStr = Field(min_length=1)
    answers: dict[str, Any]
    present: list[StrictStr] = Field(default_factory=list)
    absent: list[StrictStr] = Field(default_factory=list)
    exactly: list[StrictStr] | None = None

    @property
    def complete_answers(self) -> dict[str, Any]:
        """The answers as a person gives them: what the scenario states, and the
        catalogue's example for every other required question."""
        return with_examples(self.answers)


@dataclass(frozen=True)
class ScenarioRun:
    file: str
    scenario: Scenario
    failures: tuple[str, ...]


@dataclass(frozen=True)
class Coverage:
    rules_hit: frozenset[str]
    rules_all: frozenset[str]
    topics_hit: frozenset[str]
    topics_all: frozenset[str]

    def line(self) -> str:
        return (f"coverage: rules {len(self.rules_hit)}/{len(self.rules_all)}, "
                f"topics {len(self.topics_hit)}/{len(self.topics_all)}")


def load_scenarios(directory: Path) -> list[tuple[str, Scenario]]:
    """Every scenario in ``directory/*.yaml``; ProblemsError lists all malformed ones."""
    found: list[tuple[str, Scenario]] = []
    problems: list[Problem] = []
    for path in sorted(directory.glob("*.y*ml")):
        data, read_problems = load_yaml(path, str(path))
        problems += read_problems
        items = data.get("scenarios") if isinstance(data, LineDict) else None
        if not isinstance(items, LineList):
            problems.append(Problem(str(path), 1, "a scenario file needs a 'scenarios' list"))
            continue
        for item in items:
            try:
                found.append((str(path), Scenario.model_validate(item)))
            except ValidationError as exc:
                problems += [Problem(str(path), line_at(item, err["loc"]),
                                     f"{'.'.join(map(str, err['loc']))}: {err['msg']}")
                             for err in exc.errors()]
    if problems:
        raise ProblemsError(problems, f"The scenarios in {directory} cannot be used")
    return found


def run_scenarios(ruleset: RuleSet, scenarios: list[tuple[str, Scenario]]
                  ) -> tuple[list[ScenarioRun], Coverage]:
    runs: list[ScenarioRun] = []
    rules_hit: set[str] = set()
    topics_hit: set[str] = set()
    for file, scenario in scenarios:
        failures: list[str] = []
        try:
            answers = validate_answers(scenario.complete_answers)
        except AnswersError as exc:
            runs.append(ScenarioRun(file, scenario, tuple(f"answers: {p}" for p in exc.problems)))
            continue
        result = evaluate(ruleset, answers)
        got = [t.id for t in result.topics]
        rules_hit |= {m.rule_id for entry in result.trace for m in entry.rules}
        topics_hit |= set(got)
        for topic in scenario.present + scenario.absent + (scenario.exactly or []):
            if topic not in ruleset.topics:
                failures.append(f"unknown topic '{topic}'{did_you_mean(topic, ruleset.topics)}")
        failures += [f"expected '{t}', which is missing" for t in scenario.present if t not in got]
        failures += [f"did not expect '{t}'" for t in scenario.absent if t in got]
        if scenario.exactly is not None and sorted(scenario.exactly) != sorted(got):
            failures.append(f"expected exactly {sorted(scenario.exactly)}, got {sorted(got)}")
        runs.append(ScenarioRun(file, scenario, tuple(failures)))
    coverage = Coverage(frozenset(rules_hit), frozenset(r.rule.id for r in ruleset.rules),
                        frozenset(topics_hit), frozenset(ruleset.topics))
    return runs, coverage
