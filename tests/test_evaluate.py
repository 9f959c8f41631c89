"""Evaluation: ordered topics, a trace of why, the disclaimer always, the safety net on
every result but the emergency one, and invariants that hold for every answer set a
person could give."""

from __future__ import annotations

from hypothesis import given, settings

from screener.catalogue.answers import validate_answers
from screener.catalogue.questions import EMERGENCY_VALUES, URGENT_VALUES, is_emergency
from screener.engine.disclaimer import disclaimer
from screener.engine.evaluate import evaluate
from screener.engine.language import decision_phrases
from screener.engine.rulemodels import CATEGORIES, NUMBER_PLACEHOLDER
from screener.engine.safety_net import safety_net
from screener.exports.render import result_json, result_text

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
    assert [t.id for t in result.topics] == ["emergency-care", "emergency-heart"]
    assert result.stopped


def test_disclaimer_uses_the_configured_emergency_number(ruleset, answers):
    result = evaluate(ruleset, answers, emergency_number="999")
    assert result.disclaimer == disclaimer("999")
    assert "call 999" in result.disclaimer


def test_disclaimer_is_plain_and_decides_nothing():
    assert decision_phrases(disclaimer()) == []


def test_safety_net_uses_the_configured_number_and_language(ruleset, answers):
    result = evaluate(ruleset, answers, emergency_number="112", locale="es")
    assert result.safety_net == safety_net("112", "es")
    assert "112" in result.safety_net and "Llame" in result.safety_net
    assert safety_net("999").startswith("Call 999 now")


def test_emergency_result_has_no_safety_net_but_names_the_number(ruleset):
    result = evaluate(ruleset, {"red_flags": ["chest_pain"]}, emergency_number="999")
    assert result.safety_net is None and result.emergency
    body = result.topics[0].body
    for text in body.all_texts().values():
        assert "999" in text and NUMBER_PLACEHOLDER not in text
    assert "do not drive" in body.en.lower() and " now" in body.en
    assert NUMBER_PLACEHOLDER in ruleset.topics["emergency-care"].body.en


def test_safety_net_names_the_signs_the_review_asked_for():
    text = safety_net().lower()
    for sign in ("peeing or pooing", "genitals or bottom", "legs or arms that gets worse",
                 "clumsy hands", "unsteady walking", "call 911 now",
                 "pain, numbness or weakness in both legs", "new loss of sexual feeling"):
        assert sign in text
    assert decision_phrases(text) == []


def test_under_18_shows_only_urgent_guidance(ruleset, answers):
    answers.update(age_band="under_18", red_flags=["fever"], daily_impact="severe")
    result = evaluate(ruleset, answers)
    assert {t.category for t in result.topics} == {"urgent"}
    assert [e.topic_id for e in result.trace] == [t.id for t in result.topics]
    assert result.safety_net


def test_spinal_cord_signs_are_an_urgent_value_with_their_own_topic(ruleset, answers):
    assert {"spinal_cord_signs", "long_term_steroids"} <= URGENT_VALUES
    assert not URGENT_VALUES & EMERGENCY_VALUES
    answers["red_flags"] = ["spinal_cord_signs"]
    assert evaluate(ruleset, answers).topics[0].id == "spinal-cord-check"


@settings(max_examples=300, deadline=None)
@given(answer_sets())
def test_every_answer_set_evaluates_safely(ruleset, generated):
    answers = validate_answers(generated)
    result = evaluate(ruleset, answers)
    emergency = is_emergency(answers["red_flags"])
    assert result.disclaimer == disclaimer()
    as_json = result_json(result)
    assert as_json["disclaimer"] == disclaimer() and list(as_json)[-1] == "disclaimer"
    text = result_text(result, answers)
    assert text.rstrip().endswith(disclaimer())
    for topic in result.topics:
        assert decision_phrases(f"{topic.title.en} {topic.body.en}") == []
        assert NUMBER_PLACEHOLDER not in topic.body.en
    if emergency:
        assert result.topics[0].id == "emergency-care" and len(result.topics) > 1
        assert all(t.id.startswith("emergency-") for t in result.topics)
        assert result.safety_net is None and as_json["safety_net"] is None
    else:
        assert "emergency-care" not in [t.id for t in result.topics]
        assert result.safety_net == safety_net() == as_json["safety_net"]
        assert text.index(safety_net()) < text.index(disclaimer())
    if set(answers["red_flags"]) != {"none"}:
        assert "conservative-care-first" not in [t.id for t in result.topics]
    if answers.get("age_band") == "under_18":
        assert {t.category for t in result.topics} <= {"urgent"}
