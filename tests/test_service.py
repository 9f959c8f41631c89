"""The service between the pages and the core (screener/service/screening.py): finishing
a session gives valid answers and a result or says which page is missing; valid answers
do not change after the check; a staff record is decrypted and evaluated once."""

from __future__ import annotations

import copy
import pickle

import pytest

from screener.catalogue.answers import AnswersError, ValidAnswers, validate_answers
from screener.catalogue.questions import PAGES
from screener.service.screening import Incomplete, Progress, Screening
from screener.store.crypto import Cipher

from .conftest import COMPLETE_ANSWERS


@pytest.fixture
def screening(ruleset):
    return Screening(ruleset, "999", ("en", "es"))


def every_page() -> list[str]:
    return [page.id for page in PAGES]


def test_finishing_complete_answers_gives_them_valid_with_their_result(screening):
    answers, result = screening.finish(Progress(validate_answers(COMPLETE_ANSWERS),
                                                every_page()), "en")
    assert isinstance(answers, ValidAnswers) and answers == validate_answers(COMPLETE_ANSWERS)
    assert result.disclaimer and result == screening.evaluate(answers, "en")


def test_no_session_means_starting_again(screening):
    with pytest.raises(Incomplete) as raised:
        screening.finish(None, "en")
    assert raised.value.page is None


def test_an_unanswered_page_is_named(screening):
    done = every_page()[:-1]
    with pytest.raises(Incomplete) as raised:
        screening.finish(Progress(validate_answers(COMPLETE_ANSWERS), done), "en")
    assert raised.value.page is not None and raised.value.page.id not in done


def test_answers_that_no_longer_hold_are_not_resumed(screening):
    assert screening.resume({"red_flags": ["no-such-value"]}, []) is None
    assert screening.resume(COMPLETE_ANSWERS, ["urgent"]) == (
        validate_answers(COMPLETE_ANSWERS, complete=False), ["urgent"])


@pytest.mark.parametrize("change", [
    lambda a: a.__setitem__("red_flags", ["fever"]),
    lambda a: a.__delitem__("red_flags"),
    lambda a: a.update(red_flags=["fever"]),
    lambda a: a.pop("red_flags"),
    lambda a: a.setdefault("x", 1),
    lambda a: a.clear(),
    lambda a: a.popitem(),
])
def test_valid_answers_do_not_change_after_the_check(change):
    answers = validate_answers(COMPLETE_ANSWERS)
    with pytest.raises(TypeError):
        change(answers)
    assert answers == validate_answers(COMPLETE_ANSWERS)


def test_valid_answers_copy_and_travel_as_the_same_valid_answers():
    answers = validate_answers(COMPLETE_ANSWERS)
    for again in (copy.deepcopy(answers), pickle.loads(pickle.dumps(answers))):
        assert type(again) is ValidAnswers and again == answers
    assert {**answers, "red_flags": ["fever"]}["red_flags"] == ["fever"]  # a new, plain set


def test_the_service_checks_as_the_catalogue_does(screening):
    with pytest.raises(AnswersError):
        screening.valid({"pain_score": 99})


def test_a_staff_record_page_decrypts_and_evaluates_the_answers_once(
        nurse_client, sent, staff_app, monkeypatch):
    sid, _ = sent(1)
    service = staff_app.extensions["screener.screening"]
    evaluated, opened = [], []
    evaluate, try_open = service.evaluate, Cipher.try_open
    monkeypatch.setattr(service, "evaluate",
                        lambda answers, locale: evaluated.append(answers) or evaluate(
                            answers, locale))

    def counting_open(self, row_id, name, token):  # noqa: ANN001, ANN202
        if name == "answers":
            opened.append(row_id)
        return try_open(self, row_id, name, token)

    monkeypatch.setattr(Cipher, "try_open", counting_open)
    page = nurse_client.get(f"/staff/submissions/{sid}")
    assert page.status_code == 200
    assert len(evaluated) == 1, "the patient's answers were evaluated more than once"
    assert opened == [sid], "the patient's answers were decrypted more than once"
