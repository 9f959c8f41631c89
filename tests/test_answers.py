"""Answer sets are checked against the catalogue before anything is evaluated."""

from __future__ import annotations

import pytest

from screener.catalogue.answers import AnswersError, prune, validate_answers, visible_steps


def problems(data, **kwargs) -> list[str]:
    with pytest.raises(AnswersError) as caught:
        validate_answers(data, **kwargs)
    return caught.value.problems


def test_complete_answers_pass(answers):
    assert validate_answers(answers) == answers


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"diagnoss": ["herniated_disc"]},
         "Unknown question 'diagnoss' (did you mean 'diagnosis'?)."),
        ({"daily_impact": "sever"}, "'daily_impact' has no value 'sever' (did you mean 'severe'?)"),
        ({"pain_score": "7"}, "'pain_score' takes a whole number, not str '7'."),
        ({"pain_score": True}, "'pain_score' takes a whole number, not bool True."),
        ({"pain_score": 11}, "'pain_score' must be from 0 to 10; got 11."),
        ({"daily_impact": ["severe"]}, "'daily_impact' takes one text value, not list"),
        ({"imaging": "mri"}, "'imaging' takes a list of text values, not 'mri'."),
        ({"imaging": []}, "'imaging' needs at least one value"),
        ({"imaging": ["mri", "mri"]}, "'imaging' lists the same value twice."),
        ({"imaging": ["mri", "none"]},
         "'imaging': 'No scans' cannot be chosen together with other answers."),
    ],
)
def test_each_problem_is_named(answers, change, expected):
    found = problems(answers | change)
    assert any(p.startswith(expected) for p in found), found


def test_every_problem_is_listed_at_once(answers):
    assert len(problems(answers | {"pain_score": 99, "imaging": ["pet"], "x": 1})) == 3


def test_missing_required_answers_are_listed(answers):
    del answers["daily_impact"], answers["age_band"]
    assert problems(answers) == ["'daily_impact' is required.", "'age_band' is required."]


def test_partial_answers_pass_when_completeness_is_not_asked():
    assert validate_answers({"red_flags": ["none"]}, complete=False) == {"red_flags": ["none"]}


def test_not_an_object():
    assert problems(["red_flags"]) == ["The answers must be an object mapping question ids "
                                       "to answers."]


def test_answers_that_no_longer_apply_are_dropped(answers):
    answers |= {"treatments_tried": ["none"], "imaging": ["none"]}
    pruned = prune(answers)
    assert "treatment_duration" not in pruned and "treatment_result" not in pruned
    assert "imaging_within_12_months" not in pruned
    assert validate_answers(answers) == pruned


def test_an_emergency_answer_leaves_only_the_first_step(answers):
    answers["red_flags"] = ["bladder_bowel"]
    assert [s.id for s in visible_steps(answers)] == ["urgent"]
    assert validate_answers(answers) == {"red_flags": ["bladder_bowel"]}
