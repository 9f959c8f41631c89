"""Answer sets are checked against the catalogue before anything is evaluated."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from screener.catalogue.answers import (
    _PLAINLY_VALID,
    AnswersError,
    prune,
    validate_answers,
    visible_steps,
    why_not_valid,
)
from screener.catalogue.questions import QUESTIONS
from screener.catalogue.sampling import example_answers, with_examples

from .conftest import answer_sets

ALL_VALUES = sorted({v for q in QUESTIONS.values() for v in q.values})
ANY_ANSWER = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 12) | st.floats(allow_nan=False)
    | st.sampled_from(ALL_VALUES) | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner,
                                                                 max_size=2),
    max_leaves=8)


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


def near_answers(qid: str) -> st.SearchStrategy:
    """Answers close to right for ``qid`` (its own values, repeated or mixed; numbers just
    past its range), and anything else a client could send."""
    question = QUESTIONS[qid]
    own = (st.sampled_from([*question.values, *ALL_VALUES[:3]]) if question.values
           else st.integers(question.minimum - 2, question.maximum + 2))
    return st.one_of(own, st.lists(own, max_size=4), st.integers(-2, 12), ANY_ANSWER)


@pytest.mark.parametrize("qid", sorted(QUESTIONS))
@settings(deadline=None)  # a loaded machine is slow, not wrong
@given(data=st.data())
def test_the_quick_check_accepts_only_what_the_full_checks_accept(qid, data):
    """Validation tries a quick test first; it must never let through an answer that the
    one-by-one checks would refuse, whatever a client sends."""
    value = data.draw(near_answers(qid))
    if _PLAINLY_VALID[qid](value):
        assert why_not_valid(QUESTIONS[qid], value) == []


@pytest.mark.parametrize("qid", sorted(QUESTIONS))
def test_the_quick_check_takes_every_catalogue_answer(qid):
    question = QUESTIONS[qid]
    if question.kind == "integer":
        samples = [question.minimum, question.maximum]
    elif question.kind == "single":
        samples = list(question.values)
    else:
        samples = [[v] for v in question.values]
        samples.append([v for v in question.values if v not in question.exclusive])
    for value in samples:
        assert _PLAINLY_VALID[qid](value) and why_not_valid(question, value) == []


# The catalogue's example answers: what scenario files and tests leave out.

REQUIRED = sorted(qid for qid, q in QUESTIONS.items() if q.required)


@pytest.mark.parametrize("qid", REQUIRED)
def test_every_required_question_has_an_example_the_catalogue_accepts(qid):
    example = with_examples({})[qid]
    assert why_not_valid(QUESTIONS[qid], example) == []


def test_the_examples_make_a_complete_answer_set():
    assert validate_answers(example_answers()) == example_answers()


@pytest.mark.parametrize("qid", REQUIRED)
def test_a_left_out_required_question_takes_its_example(qid):
    """Each required question in turn left out of a set that asks every step: without the
    examples the set is incomplete, with them the question has its example."""
    asked = prune(with_examples({"prior_surgery": "one"}))
    left_out = {k: v for k, v in asked.items() if k != qid}
    with pytest.raises(AnswersError, match=f"'{qid}' is required"):
        validate_answers(left_out)
    assert validate_answers(with_examples(left_out))[qid] == with_examples({})[qid]


@settings(deadline=None)
@given(answers=answer_sets())
def test_the_examples_change_no_complete_answer_set(answers):
    """A scenario or test written before a question was added means what it meant."""
    assert validate_answers(with_examples(answers)) == validate_answers(answers)


def test_an_answer_given_beats_the_example():
    given_answers = {"pain_score": 2, "diagnosis": ["not_sure"]}
    assert validate_answers(with_examples(given_answers)).items() >= given_answers.items()
