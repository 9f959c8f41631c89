"""One screening service, built once per app from the rule set and the settings.

Why an object: the rule set and the clinic's emergency number are fixed at start-up, so
the views hand over answers and a language and never look either up again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..engine.evaluate import Result, evaluate
from ..engine.loader import RuleSet


class Screening:
    """Evaluates answers with this app's rule set and emergency number."""

    def __init__(self, rules: RuleSet, emergency_number: str,
                 languages: Sequence[str] = ("en",)) -> None:
        self.rules = rules
        self.emergency_number = emergency_number
        self.languages = tuple(languages)

    @classmethod
    def from_settings(cls, rules: RuleSet, settings: Mapping[str, Any]) -> Screening:
        return cls(rules, settings["EMERGENCY_NUMBER"], settings["LANGUAGES"])

    def evaluate(self, answers: Mapping[str, Any], locale: str) -> Result:
        return evaluate(self.rules, answers, emergency_number=self.emergency_number,
                        locale=locale)

    def evaluate_stored(self, answers: Mapping[str, Any], language: str) -> Result:
        """For answers stored earlier: in their language, or English if the clinic no
        longer offers it."""
        return self.evaluate(answers, language if language in self.languages else "en")
