"""Save and come back later: what a saved screening holds, and bringing it back safely.

A save holds the answers so far, the pages done, the language, when it was saved and the
rule set's and catalogue's versions at the time; it is sealed under the patient's return
code (store/saved.py, store/codebox.py). Coming back, the answers are checked again against
today's catalogue and rules (``restore``): an answer to a question that no longer exists,
or a value no longer offered, is dropped with a note for the patient, and its page asked
again; a screening saved more than a day ago asks the red-flag pages again (symptoms
change). Plain Python: no Flask, no database.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

from ..catalogue.answers import (
    AnswersError,
    ValidAnswers,
    check_value,
    prune,
    unoffered,
    validate_answers,
)
from ..catalogue.questions import PAGE_BY_ID, QUESTIONS, Page, is_emergency
from ..catalogue.wizard import Flow
from ..i18n import N_, t

PAYLOAD_VERSION = 1
RED_FLAGS = "red_flags"
# Past this age, the red-flag pages are asked again: symptoms change.
RED_FLAGS_FRESH_FOR = timedelta(days=1)
# How far ahead of this server's clock a save's time may be (servers' clocks differ a little).
CLOCK_SKEW = timedelta(minutes=5)

NoteKind = Literal["question_gone", "questions_gone", "value_gone", "red_flags_again",
                   "not_restored"]
# What the patient is told, one sentence per kind ("%(question)s": the question's prompt).
NOTE_TEXTS: dict[str, str] = {
    "question_gone": N_("One question you answered is no longer asked, so that answer was "
                        "removed."),
    "questions_gone": N_("Some questions you answered are no longer asked, so those answers "
                         "were removed."),
    "value_gone": N_("An answer you gave to \u201c%(question)s\u201d is no longer one of the "
                     "choices. Please answer it again."),
    "red_flags_again": N_("Some time has passed since you saved, so please answer the "
                          "urgent symptom questions again."),
    "not_restored": N_("Your saved answers no longer fit the questions, so please start "
                       "again."),
}


class NotSavable(ValueError):
    """These answers may not be saved: an emergency answer (its result says to get care
    now, not to come back later), or answers that break the catalogue. The pages never
    offer a save then; a forged request gets this, to be answered as a refused form."""


@dataclass(frozen=True)
class Note:
    """One thing the patient is told about their restored answers."""

    kind: NoteKind
    question: str | None = None  # the question's id, when it still exists

    def text(self, locale: str = "en") -> str:
        """The note in plain words, in ``locale``."""
        prompt = QUESTIONS[self.question].prompt if self.question in QUESTIONS else ""
        return t(NOTE_TEXTS[self.kind], locale) % {"question": t(prompt, locale)}


@dataclass(frozen=True)
class Resumed:
    """A saved screening brought back: answers valid under today's catalogue, the pages
    still done, where to go on (``page``: the first page not yet done, None when every
    page is done: the review), and what the patient is told."""

    answers: ValidAnswers
    done: list[str]
    language: str
    page: Page | None
    saved_at: datetime
    red_flags_again: bool
    notes: list[Note] = field(default_factory=list)
    ruleset_version: str = ""  # the rule set's version when it was saved
    catalogue_version: str = ""

    @property
    def restored(self) -> bool:
        """False when nothing could be brought back (the patient starts again)."""
        return Note("not_restored") not in self.notes


def payload_for(answers: Mapping[str, Any], done: Collection[str], language: str,
                saved_at: datetime, ruleset_version: str,
                catalogue_version: str) -> dict[str, Any]:
    """What is sealed: everything ``restore`` needs, nothing more."""
    pages = sorted({page for page in done if isinstance(page, str) and page in PAGE_BY_ID})
    return {"v": PAYLOAD_VERSION, "answers": dict(answers), "done": pages,
            "language": language, "saved_at": saved_at.isoformat(),
            "ruleset_version": ruleset_version, "catalogue_version": catalogue_version}


def restore(payload: Mapping[str, Any], moment: datetime,
            languages: Collection[str] = ("en",)) -> Resumed:
    """``payload`` checked against today's catalogue. A payload this version cannot read
    (another payload version, or not what ``payload_for`` makes) still opened under the
    patient's code, and the code is used up: it comes back empty, with a note that says to
    start again, never as a code that "is not right"."""
    try:
        if payload.get("v") != PAYLOAD_VERSION:
            return _start_again(payload, moment, languages)
        raw, done = payload["answers"], payload["done"]
        saved_at = datetime.fromisoformat(payload["saved_at"])
        language = str(payload["language"])
    except (KeyError, TypeError, ValueError, AttributeError):
        return _start_again(payload, moment, languages)
    if not isinstance(raw, dict) or not isinstance(done, list) or saved_at.tzinfo is None:
        return _start_again(payload, moment, languages)
    answers, notes, changed = clean(raw)
    if raw and not answers:  # every answer lost: nothing is "here again"
        return _start_again(payload, moment, languages)
    age = moment - saved_at
    # Asked again after a day, after a save "from the future" (another server's clock,
    # a tampered row: never a reason to skip them), and when today's catalogue reads the
    # saved symptoms as an emergency (saves of one are refused: the catalogue changed),
    # so the urgent pages ask, and an emergency answer ends the flow as it should.
    red_flags_again = (age > RED_FLAGS_FRESH_FOR or age < -CLOCK_SKEW
                       or is_emergency(answers.get(RED_FLAGS)))
    if red_flags_again:
        answers.pop(RED_FLAGS, None)
        changed.add(RED_FLAGS)
        notes.append(Note("red_flags_again"))
    try:
        valid = validate_answers(answers, complete=False)
    except AnswersError:  # cleaned answers always hold; never restore what does not
        valid, notes, changed = ValidAnswers(), [Note("not_restored")], set(QUESTIONS)
    kept_done = [page for page in done if isinstance(page, str) and page in PAGE_BY_ID
                 and PAGE_BY_ID[page].question not in changed]
    return Resumed(
        answers=valid, done=sorted(set(kept_done)),
        language=_offered(language, languages),
        page=Flow(valid, kept_done).first_incomplete, saved_at=saved_at,
        red_flags_again=red_flags_again, notes=notes,
        ruleset_version=str(payload.get("ruleset_version", "")),
        catalogue_version=str(payload.get("catalogue_version", "")))


def _offered(language: object, languages: Collection[str]) -> str:
    """``language`` when it is still offered, else the first one offered."""
    return language if isinstance(language, str) and language in languages \
        else next(iter(languages), "en")


def _start_again(payload: object, moment: datetime, languages: Collection[str]) -> Resumed:
    """A save this version cannot read: nothing restored, the first page, and why."""
    language = payload.get("language") if isinstance(payload, Mapping) else None
    return Resumed(answers=ValidAnswers(), done=[], language=_offered(language, languages),
                   page=Flow(ValidAnswers(), []).first_incomplete, saved_at=moment,
                   red_flags_again=False, notes=[Note("not_restored")])


def clean(answers: Mapping[str, Any]) -> tuple[dict[str, Any], list[Note], set[str]]:
    """(the answers that still hold, the notes, the questions whose answer changed).

    Unknown questions go; values the catalogue no longer has go (a list keeps the rest);
    answers to questions that no longer apply go silently, as the pages drop them; values
    no longer offered with the other answers go, until nothing changes."""
    notes: list[Note] = []
    changed: set[str] = set()
    kept: dict[str, Any] = {}
    gone = 0
    for qid, value in answers.items():
        question = QUESTIONS.get(qid)
        if question is None:
            gone += 1
            continue
        if not check_value(question, value):
            kept[qid] = value
            continue
        changed.add(qid)
        notes.append(Note("value_gone", qid))
        if question.kind == "multiple" and isinstance(value, list):
            still = [v for v in dict.fromkeys(value) if isinstance(v, str)
                     and v in question.value_set]
            if still and not check_value(question, still):
                kept[qid] = still
    if gone:
        notes.insert(0, Note("question_gone" if gone == 1 else "questions_gone"))
    while True:
        kept = prune(kept)
        for qid, value in kept.items():
            question = QUESTIONS[qid]
            drop = unoffered(question, value, kept)
            if drop:
                still = [v for v in value if v not in drop] if isinstance(value, list) else []
                if still:
                    kept[qid] = still
                else:
                    del kept[qid]
                if qid not in changed:
                    changed.add(qid)
                    notes.append(Note("value_gone", qid))
                break
        else:
            return kept, notes, changed
