"""Benchmark: rule loading and evaluation, shipped rules and generated rule sets.

Run: .venv/bin/python bench/rules.py   (or `make bench`)

Figures are per evaluation, averaged over a fixed set of random answer sets, and shown as
ratios against the shipped rule set measured in the same run, so a noisy shared machine
moves all numbers together. Targets: shipped set well under 1 ms; cost linear in the
number of rules; 10,000 rules under 50 ms per evaluation.
"""

from __future__ import annotations

import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import yaml

from screener.catalogue.answers import validate_answers
from screener.catalogue.questions import QUESTIONS
from screener.catalogue.sampling import RandomChooser, answer_set
from screener.engine.evaluate import evaluate
from screener.engine.loader import RuleSet, load_ruleset
from screener.resources import data_dir

ANSWER_SETS = 200
REPEATS = 5


def random_leaf(rng: random.Random) -> dict[str, object]:
    question = rng.choice(list(QUESTIONS.values()))
    if question.kind == "integer":
        return {"question": question.id, rng.choice(["gt", "gte", "lt", "lte"]): rng.randint(0, 10)}
    values = rng.sample(list(question.values), min(2, len(question.values)))
    if question.kind == "single":
        return {"question": question.id, "one_of": values}
    return {"question": question.id, rng.choice(["includes_any", "includes_all"]): values}


def random_condition(rng: random.Random) -> dict[str, object]:
    kind = rng.random()
    if kind < 0.4:
        return random_leaf(rng)
    if kind < 0.7:
        return {"all": [random_leaf(rng) for _ in range(rng.randint(2, 3))]}
    if kind < 0.9:
        return {"any": [random_leaf(rng) for _ in range(rng.randint(2, 3))]}
    return {"not": random_leaf(rng)}


def write_generated(directory: Path, count: int, seed: int = 1) -> None:
    rng = random.Random(seed)
    topics = [{"id": f"t{i}", "category": rng.choice(["discuss", "prepare", "risk", "learn"]),
               "title": {"en": f"Topic {i}"}, "body": {"en": "Talk with your care team."},
               "sources": ["generated"]} for i in range(max(1, count // 10))]
    rules = [{"id": f"r{i}", "description": "generated", "when": random_condition(rng),
              "adds": [topics[i % len(topics)]["id"]]} for i in range(count)]
    (directory / "generated.yaml").write_text(yaml.safe_dump({"topics": topics, "rules": rules}))


def time_load(directory: Path) -> tuple[RuleSet, float]:
    best = float("inf")
    for _ in range(2):
        start = time.perf_counter()
        ruleset = load_ruleset(directory)
        best = min(best, time.perf_counter() - start)
    return ruleset, best


def time_evaluate(ruleset: RuleSet, answer_sets: list[dict[str, object]]) -> float:
    """Median over repeats of the mean seconds per evaluation."""
    runs = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        for answers in answer_sets:
            evaluate(ruleset, answers)
        runs.append((time.perf_counter() - start) / len(answer_sets))
    return statistics.median(runs)


def main() -> int:
    chooser = RandomChooser(seed=7)
    answer_sets = [validate_answers(answer_set(chooser)) for _ in range(ANSWER_SETS)]
    shipped, shipped_load = time_load(data_dir("rules"))
    base = time_evaluate(shipped, answer_sets)
    print(f"{'rule set':>16} {'rules':>6} {'load ms':>9} {'eval ms':>9} {'us/rule':>8} "
          f"{'x shipped':>10}")
    print(f"{'shipped':>16} {len(shipped.rules):>6} {shipped_load * 1e3:>9.2f} "
          f"{base * 1e3:>9.4f} {base / len(shipped.rules) * 1e6:>8.2f} {1.0:>10.1f}")
    failures = []
    results = {}
    for count in (100, 1_000, 10_000):
        with tempfile.TemporaryDirectory() as tmp:
            write_generated(Path(tmp), count)
            ruleset, load = time_load(Path(tmp))
        per_eval = time_evaluate(ruleset, answer_sets[:50] if count == 10_000 else answer_sets)
        results[count] = per_eval
        print(f"{'generated':>16} {count:>6} {load * 1e3:>9.1f} {per_eval * 1e3:>9.4f} "
              f"{per_eval / count * 1e6:>8.2f} {per_eval / base:>10.1f}")
    linearity = (results[10_000] / 10_000) / (results[100] / 100)
    print(f"\nper-rule cost at 10,000 rules / per-rule cost at 100 rules: {linearity:.2f} "
          "(1.0 = exactly linear)")
    if base >= 1e-3:
        failures.append("shipped set is not under 1 ms per evaluation")
    if results[10_000] >= 50e-3:
        failures.append("10,000 rules take 50 ms or more per evaluation")
    for failure in failures:
        print(f"TARGET MISSED: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
