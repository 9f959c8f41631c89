"""Answer sets: which questions apply, and whether a set obeys the catalogue.

The patient flow, the intake page, the CLI and the API all go through these functions, so
an answer set means the same thing everywhere: hidden questions are absent, values are
the catalogue's, exclusive options stand alone.
"""

from __future__ import annotations

import reprlib
from collections.abc import Callable, Mapping
from typing import Any, NoReturn

from ..problems import did_you_mean
from .conditions import Answers, Predicate, compile_condition, leaves
from .questions import (
    AGE_PAGE,
    PAGE_OF,
    PAGES,
    QUESTIONS,
    STEPS,
    UNDER_18,
    Page,
    Question,
    Step,
    is_emergency,
)

MAX_PROBLEMS = 10
_SHORT = reprlib.Repr()
_SHORT.maxlevel, _SHORT.maxlist, _SHORT.maxdict = 2, 4, 4
_SHORT.maxstring = _SHORT.maxother = 40


def short(value: object) -> str:
    """A bounded ``repr``: a reply never echoes a huge or deeply nested value back."""
    return _SHORT.repr(value)


class AnswersError(ValueError):
    """An answer set that breaks the catalogue; ``problems`` lists the first few reasons.

    A handful of reasons is enough to fix a request; thousands (one per unknown value)
    would make a small bad request cost a large reply.
    """

    def __init__(self, problems: list[str]) -> None:
        if len(problems) > MAX_PROBLEMS:
            hidden = len(problems) - MAX_PROBLEMS
            problems = problems[:MAX_PROBLEMS] + [f"... and {hidden} more problems."]
        self.problems = problems
        super().__init__("; ".join(problems))


class ValidAnswers(dict[str, Any]):
    """An answer set that obeys the catalogue, as only ``validate_answers`` makes one.

    A type of its own so that a signature says "already checked", and frozen so that
    nothing changes it after the check: a change makes a new set, to be checked again. A
    dict underneath, so JSON, the session cookie and the templates take it as it is.
    """

    __slots__ = ()

    def _frozen(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("Valid answers do not change: validate a new answer set instead.")

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = _frozen
    __ior__ = _frozen  # type: ignore[assignment]

    def __reduce__(self) -> tuple[type[ValidAnswers], tuple[dict[str, Any]]]:
        return ValidAnswers, (dict(self),)


def _always(_: Answers) -> bool:
    return True


_STEP_SHOWN: dict[str, Predicate] = {
    s.id: compile_condition(s.shown_when) if s.shown_when else _always for s in STEPS
}
_QUESTION_SHOWN: dict[str, Predicate] = {
    q.id: compile_condition(q.shown_when) if q.shown_when else _always for q in QUESTIONS.values()
}


def step_shown(step: Step, answers: Answers) -> bool:
    return _STEP_SHOWN[step.id](answers)


def question_shown(question: Question, answers: Answers) -> bool:
    return _STEP_SHOWN[question.step](answers) and _QUESTION_SHOWN[question.id](answers)


# The questions each one depends on. A follow-up's page waits until they are answered: it
# is not counted before, and the count grows only when the answer asks for it.
_ASKED_FIRST: dict[str, frozenset[str]] = {
    q.id: frozenset(leaf.question for leaf in leaves(q.shown_when)) if q.shown_when
    else frozenset() for q in QUESTIONS.values()
}


_ENDS_AT_AGE = compile_condition(UNDER_18)
_AFTER_AGE = frozenset(p.id for p in PAGES[PAGES.index(AGE_PAGE) + 1:])


def ends_at_age(answers: Answers) -> bool:
    """An under-18 answer: the patient pages end at the age page (the answer contract still
    asks every question of the API, whose answers are evaluated as they come)."""
    return _ENDS_AT_AGE(answers)


def ends_early(answers: Answers) -> bool:
    """The patient flow ends before its last page: an emergency, or an under-18 (whose
    result is the adults-only one, right after the age page)."""
    return is_emergency(answers.get("red_flags")) or _ENDS_AT_AGE(answers)


def _earlier_split_values(page: Page, answers: Answers) -> list[str]:
    """The values of ``page``'s question chosen on the pages that share it, before it."""
    earlier = {v for p in PAGES[:PAGES.index(page)] if p.question == page.question
               for v in p.choices}
    return [v for v in answers.get(page.question) or () if v in earlier]


def page_shown(page: Page, answers: Answers) -> bool:
    if page.id in _AFTER_AGE and _ENDS_AT_AGE(answers):
        return False
    if page.split and PAGE_OF[page.question] is not page:
        # A later page of a shared list: after the first is answered, and not once an
        # emergency was ticked on an earlier one (the flow ends where it is ticked).
        return (page.question in answers
                and not is_emergency(_earlier_split_values(page, answers)))
    return (answers.keys() >= _ASKED_FIRST[page.question]
            and question_shown(QUESTIONS[page.question], answers))


def visible_pages(answers: Answers) -> list[Page]:
    """The pages this person is asked, in order (an emergency leaves only the red-flag
    pages up to the one where it was ticked; an under-18 answer ends at the age page)."""
    return [p for p in PAGES if page_shown(p, answers)]


_OFFERED_WHEN = {(q.id, c.value): c.offered_when
                 for q in QUESTIONS.values() for c in q.choices if c.offered_when}
_OFFERED: dict[tuple[str, str], Predicate] = {
    (q.id, c.value): compile_condition(c.offered_when)
    for q in QUESTIONS.values() for c in q.choices if c.offered_when}


def offered_values(question: Question, answers: Answers) -> tuple[str, ...]:
    """The values offered to this person: a choice that cannot apply is not shown."""
    return tuple(v for v in question.values
                 if (question.id, v) not in _OFFERED or _OFFERED[question.id, v](answers))


def unoffered(question: Question, value: Any, answers: Answers) -> list[str]:
    """The values of ``value`` that are not offered with ``answers``."""
    values = value if isinstance(value, list) else [value]
    return [v for v in values if (question.id, v) in _OFFERED
            and not _OFFERED[question.id, v](answers)]


def visible_steps(answers: Answers) -> list[Step]:
    """The steps this person is asked, in order (an emergency leaves only the first)."""
    return [s for s in STEPS if step_shown(s, answers)]


def visible_questions(answers: Answers) -> list[Question]:
    return [QUESTIONS[qid] for s in visible_steps(answers) for qid in s.questions
            if question_shown(QUESTIONS[qid], answers)]


# The walk's plan, worked out once: each step's test (None when always shown) and its
# questions with theirs, so the walk calls no test that is always true.
_Asked = tuple[tuple[str, Question, Predicate | None], ...]
_PLAN: tuple[tuple[Predicate | None, _Asked], ...] = tuple(
    (compile_condition(s.shown_when) if s.shown_when else None,
     tuple((qid, QUESTIONS[qid], _QUESTION_SHOWN[qid] if QUESTIONS[qid].shown_when else None)
           for qid in s.questions))
    for s in STEPS
)


def _walk(answers: Answers) -> tuple[dict[str, Any], list[Question]]:
    """The answers that still apply, and the questions shown, in one pass in step order.

    A question's visibility depends only on earlier answers, so each is decided against
    what was kept before it.
    """
    kept: dict[str, Any] = {}
    shown: list[Question] = []
    for step_test, questions in _PLAN:
        if step_test is not None and not step_test(kept):
            continue
        for qid, question, test in questions:
            if test is None or test(kept):
                shown.append(question)
                if qid in answers:
                    kept[qid] = answers[qid]
    return kept, shown


def prune(answers: Answers) -> dict[str, Any]:
    """Drop answers to questions that no longer apply, in catalogue order."""
    return _walk(answers)[0]


def exclusive_conflict(question: Question, values: list[str]) -> str | None:
    """The message for an exclusive option (``none``, ``not_sure``) chosen with others."""
    for value in values:
        if value in question.exclusive and len(values) > 1:
            return f"'{question.label_of(value)}' cannot be chosen together with other answers."
    return None


def _plainly_valid(question: Question) -> Callable[[Any], bool]:
    """A quick test that is true only for answers ``check_value`` accepts; when it says
    no, ``check_value`` is asked for the reasons. Nearly every answer passes it."""
    values, exclusive = question.value_set, question.exclusive
    if question.kind == "integer":
        low, high = question.minimum, question.maximum
        return lambda v: v.__class__ is int and low <= v <= high  # type: ignore[operator]
    if question.kind == "single":
        return lambda v: v.__class__ is str and v in values

    def plain_list(v: Any) -> bool:
        try:  # issuperset first: past it every item is one of the (text) values
            return (v.__class__ is list and values.issuperset(v) and 0 < len(v) == len(set(v))
                    and (len(v) == 1 or exclusive.isdisjoint(v)))
        except TypeError:  # an unhashable item (a list or an object): not plainly valid
            return False

    return plain_list


def check_value(question: Question, value: Any) -> list[str]:
    """Why ``value`` is not a valid answer to ``question`` (empty when it is)."""
    return [] if _PLAINLY_VALID[question.id](value) else why_not_valid(question, value)


def why_not_valid(question: Question, value: Any) -> list[str]:
    """The reasons ``value`` breaks the catalogue, checked one by one (empty when none)."""
    qid = question.id
    if question.kind == "integer":
        if not isinstance(value, int) or isinstance(value, bool):
            return [f"'{qid}' takes a whole number, not {type(value).__name__} {short(value)}."]
        if not question.minimum <= value <= question.maximum:  # type: ignore[operator]
            return [f"'{qid}' must be from {question.minimum} to {question.maximum}; "
                    f"got {short(value)}."]
        return []
    if question.kind == "single":
        if not isinstance(value, str):
            return [f"'{qid}' takes one text value, not {type(value).__name__} {short(value)}."]
        return _unknown_values(question, [value])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return [f"'{qid}' takes a list of text values, not {short(value)}."]
    if not value:
        return [f"'{qid}' needs at least one value; leave it out if it was not answered."]
    if len(set(value)) != len(value):
        return [f"'{qid}' lists the same value twice."]
    problems = _unknown_values(question, value)
    conflict = exclusive_conflict(question, value)
    return problems + ([f"'{qid}': {conflict}"] if conflict else [])


def _unknown_values(question: Question, values: list[str]) -> list[str]:
    unknown = [v for v in values if v not in question.value_set][:MAX_PROBLEMS + 1]
    return [
        f"'{question.id}' has no value {short(v)}{did_you_mean(v[:40], question.values)}; "
        f"choose from: {', '.join(question.values)}."
        for v in unknown
    ]


_PLAINLY_VALID: dict[str, Callable[[Any], bool]] = {
    qid: _plainly_valid(q) for qid, q in QUESTIONS.items()}


def validate_answers(data: object, *, complete: bool = True) -> ValidAnswers:
    """The answer set, pruned, when it obeys the catalogue; else AnswersError with every problem.

    Answers to questions that do not apply (hidden by an earlier answer, or everything
    after an emergency answer) are dropped, as the pages drop them; ``complete`` also asks
    for every required question that applies.
    """
    if not isinstance(data, Mapping):
        raise AnswersError(["The answers must be an object mapping question ids to answers."])
    problems: list[str] = []
    for qid, value in data.items():
        fast = _PLAINLY_VALID.get(qid)
        if fast is not None and fast(value):
            continue
        question = QUESTIONS.get(qid)
        if question is None:
            hint = did_you_mean(str(qid)[:40], QUESTIONS)
            problems.append(f"Unknown question {short(qid)}{hint}.")
            if len(problems) > MAX_PROBLEMS:
                break
        else:
            problems += check_value(question, value)
    if problems:
        raise AnswersError(problems)
    answers, shown = _walk(data)
    for qid, value in answers.items():
        for v in unoffered(QUESTIONS[qid], value, answers):
            asked = ", ".join(sorted({leaf.question for leaf in leaves(_OFFERED_WHEN[qid, v])}))
            problems.append(f"'{qid}' cannot include {short(v)} with this '{asked}' answer.")
    if complete:
        problems += [f"'{q.id}' is required." for q in shown
                     if q.required and q.id not in answers]
    if problems:
        raise AnswersError(problems)
    return ValidAnswers(answers)
