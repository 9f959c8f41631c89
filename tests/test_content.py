"""The shipped content keeps the contract: every id and value of the spec, every topic
reachable, plain words, and never a decision in any text a person can read."""

from __future__ import annotations

import re
import statistics

import pytest

from screener.disclaimer import disclaimer
from screener.language import MAX_GRADE, TARGET_MEAN_GRADE, decision_phrases, reading_grade
from screener.questions import QUESTIONS, STEPS
from screener.resources import data_dir

from .conftest import SPEC


def spec_section(heading: str) -> str:
    text = SPEC.read_text(encoding="utf-8")
    start = text.index(heading)
    end = text.find("\n## ", start + 1)
    return text[start: end if end != -1 else None]


def spec_questions() -> dict[str, set[str]]:
    """Question id -> the values the contract lists, from every step's table."""
    found: dict[str, set[str]] = {}
    for line in SPEC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.split("|")[1:-1]]
        if len(cells) == 3 and re.fullmatch(r"`[a-z0-9_]+`", cells[0]):
            found[cells[0].strip("`")] = set(re.findall(r"`([a-z0-9_]+)`", cells[2]))
    return found


def spec_topics() -> set[str]:
    return set(re.findall(r"`([a-z]+(?:-[a-z]+)+)`", spec_section("## Guidance topics")))


def test_contract_is_kept_in_the_project():
    assert SPEC.is_file(), f"the contract should be at {SPEC}"


@pytest.mark.parametrize("question_id", sorted(spec_questions()))
def test_catalogue_has_every_contract_question_and_value(question_id):
    expected = spec_questions()[question_id]
    assert question_id in QUESTIONS
    question = QUESTIONS[question_id]
    assert expected <= set(question.values) or question.kind == "integer"


def test_catalogue_steps_follow_the_contract_order():
    order = [qid for step in STEPS for qid in step.questions]
    assert order == list(spec_questions())


def test_rule_set_produces_every_contract_topic(ruleset):
    assert spec_topics() - set(ruleset.topics) == set()
    assert len(spec_topics()) >= 32


def test_reading_grade_is_plain(ruleset):
    grades = {t.id: reading_grade(t.body.en) for t in ruleset.topics.values()}
    assert max(grades.values()) <= MAX_GRADE, grades
    assert statistics.mean(grades.values()) <= TARGET_MEAN_GRADE


def all_catalogue_texts() -> list[str]:
    texts = [disclaimer()]
    for q in QUESTIONS.values():
        texts += [q.prompt, q.help] + [c.label for c in q.choices]
    return texts + [f"{s.title} {s.intro}" for s in STEPS]


def test_no_decision_language_in_catalogue_or_disclaimer():
    assert [t for t in all_catalogue_texts() if decision_phrases(t)] == []


def test_no_decision_language_in_any_rule_or_template_file():
    files = [p for name in ("rules", "templates") for p in data_dir(name).rglob("*")
             if p.suffix in (".yaml", ".yml", ".html", ".txt", ".j2")]
    offending = {str(p): decision_phrases(p.read_text(encoding="utf-8")) for p in files}
    assert {p: found for p, found in offending.items() if found} == {}
    assert any(p.suffix == ".yaml" for p in files)
