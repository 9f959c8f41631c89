"""One screening service, built once per app from the rule set and the settings.

The web side (the patient pages, the API, FHIR, the handoff, the intake page and the staff
area) reaches the core through it alone: resume a patient's session, finish it (its valid
answers and result, or ``Incomplete``), check answers, evaluate them. So "load, check that
every page is done, validate, evaluate" is written once, here, and the rule set and the
clinic's emergency number are looked up once, at start-up. Plain Python, no Flask.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from ..catalogue.answers import AnswersError, ValidAnswers, ends_at_age, validate_answers
from ..catalogue.questions import Page, is_emergency
from ..catalogue.reading import words_to_read
from ..catalogue.wizard import Flow
from ..engine.evaluate import Result, evaluate
from ..engine.loader import RuleSet
from ..exports.fhir import catalogue_version
from ..store.models import now as store_now
from ..store.saved import SavedScreenings
from .reading import example_answers, minutes, result_words
from .saving import NotSavable, Resumed, payload_for, restore


class Incomplete(Exception):
    """The patient's answers are not finished, so there is no result yet.

    ``page`` is the first page still to answer, or None when there is nothing to go on
    (no answers, or answers that no longer hold): start again. ``from_review``: the person
    has been past that page (they came from the review), so it leads back there.
    """

    def __init__(self, page: Page | None, from_review: bool = False) -> None:
        super().__init__(page.id if page else "start again")
        self.page, self.from_review = page, from_review


class Progress(NamedTuple):
    """A resumed session: the answers so far (valid, maybe not complete), pages done."""

    answers: ValidAnswers
    done: list[str]


class Finished(NamedTuple):
    """Every page done: the complete answers and what the rules make of them."""

    answers: ValidAnswers
    result: Result


class Screening:
    """The rule set and the settings that evaluating needs, and the steps around it."""

    def __init__(self, rules: RuleSet, emergency_number: str,
                 languages: Sequence[str] = ("en",), rules_dir: Path | None = None) -> None:
        self.rules = rules
        self.emergency_number = emergency_number
        self.languages = tuple(languages)
        self.rules_dir = rules_dir
        self._minutes: dict[str, tuple[int, int]] = {}
        self.saved: SavedScreenings | None = None  # set by ``use_saved`` (save_return on)

    @classmethod
    def from_settings(cls, rules: RuleSet, settings: Mapping[str, Any]) -> Screening:
        return cls(rules, settings["EMERGENCY_NUMBER"], settings["LANGUAGES"],
                   Path(settings["RULES_DIR"]))

    def reading_minutes(self, locale: str) -> tuple[int, int]:
        """(typical, most) minutes to read every question page and then the result
        (``reading``); worked out on first use, once per language."""
        if locale not in self._minutes:
            examples = example_answers(self.rules_dir) if self.rules_dir else []
            results = [self.evaluate(answers, locale) for answers in examples]
            self._minutes[locale] = minutes(
                words_to_read(locale), [result_words(r) for r in results if not r.stopped])
        return self._minutes[locale]

    @staticmethod
    def valid(data: object, *, complete: bool = True) -> ValidAnswers:
        """``data`` as valid answers, or AnswersError: the web side's one way to them."""
        return validate_answers(data, complete=complete)

    def resume(self, answers: object, done: list[str]) -> Progress | None:
        """A stored session's answers so far, or None when they no longer hold."""
        try:
            return Progress(self.valid(answers, complete=False), done)
        except AnswersError:
            return None

    def complete(self, progress: Progress | None, *, from_review: bool = False,
                 ) -> ValidAnswers:
        """The complete answers when every page is done, else ``Incomplete``."""
        if progress is None:
            raise Incomplete(None)
        flow = Flow(*progress)
        target = flow.first_incomplete
        if target is not None:
            raise Incomplete(target, from_review and flow.been_past(target))
        try:
            # An under-18 was asked up to the age page only: what they answered is checked.
            return self.valid(progress.answers, complete=not ends_at_age(progress.answers))
        except AnswersError:
            raise Incomplete(None) from None

    def finish(self, progress: Progress | None, locale: str) -> Finished:
        """The complete answers and their result, else ``Incomplete``."""
        answers = self.complete(progress)
        return Finished(answers, self.evaluate(answers, locale))

    def evaluate(self, answers: Mapping[str, Any], locale: str) -> Result:
        return evaluate(self.rules, answers, emergency_number=self.emergency_number,
                        locale=locale)

    def evaluate_stored(self, answers: Mapping[str, Any], language: str) -> Result:
        """For answers stored earlier: in their language, or English if the clinic no
        longer offers it."""
        return self.evaluate(answers, language if language in self.languages else "en")

    def use_saved(self, saved: SavedScreenings) -> None:
        """Where "save and come back later" keeps screenings (the store's ``saved``)."""
        self.saved = saved

    def _saved(self) -> SavedScreenings:
        if self.saved is None:
            raise RuntimeError("save and come back later is off: call use_saved first")
        return self.saved

    def save_for_later(self, answers: Mapping[str, Any], done: Collection[str],
                       language: str, days: int, now: datetime | None = None) -> str:
        """Seal the answers so far under a new return code, kept ``days`` days, and give
        the code (normalised; show it with ``store.savecode.format_code``, once).

        Raises ``NotSavable`` for an emergency answer (its result says to get care now: no
        save is ever offered there) or for answers that break the catalogue."""
        try:
            valid = self.valid(answers, complete=False)
        except AnswersError as exc:
            raise NotSavable("these answers break the catalogue") from exc
        if is_emergency(valid.get("red_flags")):
            raise NotSavable("an emergency answer is never saved")
        moment = now or store_now()
        payload = payload_for(valid, done, language, moment, self.rules.version,
                              catalogue_version())
        return self._saved().save(payload, days, moment)

    def resume_saved(self, code: str, now: datetime | None = None) -> Resumed | None:
        """The screening saved under ``code`` (as typed: any case, spaces, dashes), checked
        against today's catalogue and rules, its saved copy deleted (a code works once);
        None alike for a wrong, malformed, used or expired code."""
        moment = now or store_now()
        payload = self._saved().take(code, moment)
        return None if payload is None else restore(payload, moment, self.languages)
