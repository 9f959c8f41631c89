"""From an answer set to ordered guidance, a trace of why, the safety net and the disclaimer.

A pure function: no I/O, no globals, the same answers always give the same result. The
disclaimer (on every result) and the safety net (on every result but the emergency one)
are set here, by code, so no rule file can remove them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ..catalogue.conditions import Answers
from ..catalogue.questions import is_emergency
from .disclaimer import DEFAULT_EMERGENCY_NUMBER, disclaimer
from .loader import CompiledRule, RuleSet
from .rulemodels import CATEGORIES, Topic
from .safety_net import safety_net

_CATEGORY_ORDER = {c: i for i, c in enumerate(CATEGORIES)}


def _order(topic: Topic) -> tuple[int, int, str]:
    return _CATEGORY_ORDER[topic.category], topic.priority, topic.id


class RuleMatch(NamedTuple):
    """One rule that added a topic, and the answers that made it true."""

    rule_id: str
    description: str
    answers: dict[str, Any]


class TraceEntry(NamedTuple):
    topic_id: str
    rules: tuple[RuleMatch, ...]


@dataclass(frozen=True)
class Result:
    topics: tuple[Topic, ...]
    trace: tuple[TraceEntry, ...]
    stopped: bool
    emergency_number: str = DEFAULT_EMERGENCY_NUMBER
    locale: str = "en"
    emergency: bool = False
    safety_net: str | None = field(init=False)
    ruleset_version: str = ""
    disclaimer: str = field(init=False)

    def __post_init__(self) -> None:
        net = None if self.emergency else safety_net(self.emergency_number, self.locale)
        object.__setattr__(self, "safety_net", net)
        object.__setattr__(self, "disclaimer", disclaimer(self.emergency_number, self.locale))

    def why(self, topic_id: str) -> tuple[RuleMatch, ...]:
        return next((e.rules for e in self.trace if e.topic_id == topic_id), ())


def evaluate(ruleset: RuleSet, answers: Answers,
             emergency_number: str = DEFAULT_EMERGENCY_NUMBER, locale: str = "en") -> Result:
    """The guidance for ``answers`` (already checked by ``answers.validate_answers``).

    When a ``stop`` rule fires (an emergency), only the stop rules' topics are shown. When
    a rule with ``only_categories`` fires (under 18), only topics of those categories are.
    Topic texts get the configured emergency number in place of ``{emergency_number}``.
    """
    fired = [r for r in ruleset.rules if r.predicate(answers)]
    stops = [r for r in fired if r.rule.stop]
    if stops:
        fired = stops
    allowed: set[str] | None = None  # None: every category
    for compiled in fired:
        if compiled.rule.only_categories:
            only = set(compiled.rule.only_categories)
            allowed = only if allowed is None else allowed & only
    numbered = ruleset.topics_for(emergency_number)
    added: dict[str, list[CompiledRule]] = {}
    for compiled in fired:
        for topic_id in compiled.rule.adds:
            if allowed is None or numbered[topic_id].category in allowed:
                added.setdefault(topic_id, []).append(compiled)
    topics = sorted((numbered[t] for t in added), key=_order)
    trace = tuple(
        TraceEntry(t.id, tuple(RuleMatch(c.rule.id, c.rule.description, c.explain(answers))
                               for c in added[t.id]))
        for t in topics
    )
    emergency = bool(stops) and is_emergency(answers.get("red_flags"))
    return Result(tuple(topics), trace, bool(stops), emergency_number, locale, emergency,
                  ruleset.version)
