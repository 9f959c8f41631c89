"""Each condition operator, and the combinators, behave as rule authors expect."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from screener.catalogue.conditions import compile_condition, condition, matched_answers

ANSWERS = {"diagnosis": ["herniated_disc", "spinal_stenosis"], "daily_impact": "severe",
           "pain_score": 7}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"question": "daily_impact", "equals": "severe"}, True),
        ({"question": "daily_impact", "equals": "mild"}, False),
        ({"question": "pain_score", "equals": 7}, True),
        ({"question": "daily_impact", "one_of": ["mild", "severe"]}, True),
        ({"question": "daily_impact", "one_of": ["mild", "moderate"]}, False),
        ({"question": "diagnosis", "includes_any": ["herniated_disc", "spinal_tumor"]}, True),
        ({"question": "diagnosis", "includes_any": ["spinal_tumor"]}, False),
        ({"question": "diagnosis", "includes_all": ["herniated_disc", "spinal_stenosis"]}, True),
        ({"question": "diagnosis", "includes_all": ["herniated_disc", "spinal_tumor"]}, False),
        ({"question": "pain_score", "answered": True}, True),
        ({"question": "goals", "answered": True}, False),
        ({"question": "goals", "answered": False}, True),
        ({"question": "pain_score", "gt": 6}, True),
        ({"question": "pain_score", "gt": 7}, False),
        ({"question": "pain_score", "gte": 7}, True),
        ({"question": "pain_score", "lt": 7}, False),
        ({"question": "pain_score", "lte": 7}, True),
        ({"question": "goals", "gte": 0}, False),
        ({"question": "goals", "includes_any": ["sleep"]}, False),
        ({"all": [{"question": "pain_score", "gte": 5},
                  {"question": "daily_impact", "equals": "severe"}]}, True),
        ({"all": [{"question": "pain_score", "gte": 8},
                  {"question": "daily_impact", "equals": "severe"}]}, False),
        ({"any": [{"question": "pain_score", "gte": 8},
                  {"question": "daily_impact", "equals": "severe"}]}, True),
        ({"any": [{"question": "pain_score", "gte": 8},
                  {"question": "daily_impact", "equals": "mild"}]}, False),
        ({"not": {"question": "daily_impact", "equals": "severe"}}, False),
        ({"not": {"question": "daily_impact", "equals": "mild"}}, True),
    ],
)
def test_operator(spec, expected):
    assert compile_condition(condition(spec))(ANSWERS) is expected


@pytest.mark.parametrize(
    "spec",
    [
        {"question": "pain_score"},
        {"question": "pain_score", "gt": 1, "lt": 9},
        {"question": "pain_score", "gt": "7"},
        {"question": "diagnosis", "includes_any": []},
        {"question": "diagnosis", "includes_any": "herniated_disc"},
        {"all": []},
        {"question": "pain_score", "greater": 3},
    ],
)
def test_malformed_condition_is_rejected(spec):
    with pytest.raises(ValidationError):
        condition(spec)


def test_matched_answers_name_only_the_true_branches():
    cond = condition({"any": [{"question": "pain_score", "gte": 8},
                              {"question": "daily_impact", "equals": "severe"}]})
    assert matched_answers(cond, ANSWERS) == {"daily_impact": "severe"}


def test_matched_answers_of_all_and_not():
    cond = condition({"all": [{"question": "pain_score", "gte": 5},
                              {"not": {"question": "diagnosis", "includes_any": ["not_sure"]}}]})
    assert matched_answers(cond, ANSWERS) == {
        "pain_score": 7, "diagnosis": ["herniated_disc", "spinal_stenosis"]}


def test_matched_answers_of_a_false_condition_is_empty():
    cond = condition({"all": [{"question": "pain_score", "gte": 8},
                              {"question": "daily_impact", "equals": "severe"}]})
    assert matched_answers(cond, ANSWERS) == {}


@pytest.mark.parametrize("tampered", ["herniated_disc", None, 3, {"herniated_disc": 1}])
def test_list_tests_read_anything_but_a_list_as_empty(tampered):
    answers = {"diagnosis": tampered}
    assert compile_condition(condition(
        {"question": "diagnosis", "includes_any": ["herniated_disc"]}))(answers) is False
    assert compile_condition(condition(
        {"question": "diagnosis", "includes_all": ["herniated_disc"]}))(answers) is False
    assert compile_condition(condition(
        {"not": {"question": "diagnosis", "includes_any": ["herniated_disc"]}}))(answers) is True
