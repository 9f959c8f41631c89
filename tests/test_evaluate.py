"""Evaluation: ordered topics, a trace of why, the disclaimer always, and invariants that
hold for every answer set a person could give."""

from __future__ import annotations

from hypothesis import given, settings

from screener.answers import validate_answers
from screener.disclaimer import disclaimer
from screener.evaluate import evaluate
from screener.language import decision_phrases
from screener.questions import EMERGENCY_VALUES
from screener.render import result_json, result_text
from screener.rulemodels import CATEGORIES

from .conftest import answer_sets


def test_topics_come_in_category_then_priority_order(ruleset, answers):
    answers["red_flags"] = ["fever"]
    topics = evaluate(ruleset, answers).topics
    keys = [(CATEGORIES.index(t.category), t.priority) for t in topics]
    assert keys == sorted(keys)
    assert topics[0].id == "prompt-medical-review"


def test_trace_names_rules_and_the_answers_that_matched(ruleset, answers):
    result = evaluate(ruleset, answers)
    why = result.why("discuss-miss-with-specialist")
    assert [m.rule_id for m in why] == ["miss-after-non-surgical-care"]
    assert why[0].answers == {"diagnosis": ["herniated_disc"],
                              "treatment_duration": "6_to_12_weeks",
                              "treatment_result": "no_relief"}
    assert [e.topic_id for e in result.trace] == [t.id for t in result.topics]


def test_stop_rule_shows_only_emergency_care(ruleset, answers):
    answers["red_flags"] = ["chest_pain", "fever"]
    result = evaluate(ruleset, answers)
    assert [t.id for t in result.topics] == ["emergency-care"]
    assert result.stopped


def test_disclaimer_uses_the_configured_emergency_number(ruleset, answers):
    result = evaluate(ruleset, answers, emergency_number="999")
    assert result.disclaimer == disclaimer("999")
    assert "call 999" in result.disclaimer


def test_disclaimer_is_plain_and_decides_nothing():
    assert decision_phrases(disclaimer()) == []


@settings(max_examples=300, deadline=None)
@given(answer_sets())
def test_every_answer_set_evaluates_safely(ruleset, generated):
    answers = validate_answers(generated)
    result = evaluate(ruleset, answers)
    assert result.disclaimer == disclaimer()
    as_json = result_json(result)
    assert as_json["disclaimer"] == disclaimer()
    text = result_text(result, answers)
    assert text.rstrip().endswith(disclaimer())
    for topic in result.topics:
        assert decision_phrases(f"{topic.title.en} {topic.body.en}") == []
    if EMERGENCY_VALUES & set(answers["red_flags"]):
        assert [t.id for t in result.topics] == ["emergency-care"]
    else:
        assert "emergency-care" not in [t.id for t in result.topics]
