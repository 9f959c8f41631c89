"""Loading a rule directory into a checked, compiled rule set, or failing with every problem.

Content owners edit YAML by hand; a typo must stop start-up with a message that names the
file, the line, the rule and the likely fix, and one run must show all problems at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from ..catalogue.conditions import (
    AllOf,
    Answer,
    AnyOf,
    Explainer,
    Predicate,
    compile_condition,
    compile_explainer,
    leaves,
)
from ..catalogue.questions import QUESTIONS, Question
from ..problems import Problem, ProblemsError, did_you_mean
from ..yamlsource import LineDict, LineList, line_at, load_yaml
from .language import balance_gaps, decision_phrases, missing_lists, promotional_words
from .rulemodels import NUMBER_PLACEHOLDER, Reference, Rule, RuleFile, Topic
from .ruleversion import ruleset_version

_ALLOWED_OPERATORS = {
    "single": {"equals", "one_of", "answered"},
    "multiple": {"includes_any", "includes_all", "answered"},
    "integer": {"equals", "one_of", "gt", "gte", "lt", "lte", "answered"},
}
_KNOWN_KEYS = sorted(
    {name for model in (RuleFile, Topic, Rule, Reference, Answer, AllOf, AnyOf)
     for name in model.model_fields}
    | {"not"}
)


# Every procedure explainer names a risk or limit and the non-surgical alternative.
PROCEDURE_PREFIX = "procedure-"
_SECTIONS: dict[str, type[Topic] | type[Rule] | type[Reference]] = {
    "topics": Topic, "rules": Rule, "references": Reference}


@dataclass(frozen=True)
class CompiledRule:
    rule: Rule
    predicate: Predicate
    explain: Explainer
    file: str


@dataclass(frozen=True)
class RuleSet:
    """Topics by id and rules in file order, ready to evaluate.

    ``version`` is the label in ``rules/VERSION`` plus a digest of the rule files' bytes
    (``ruleversion.py``): any change to a text, a rule or a reference gives a new version,
    so a stored screening can name exactly what it showed.
    """

    topics: dict[str, Topic]
    rules: tuple[CompiledRule, ...]
    source: str
    references: dict[str, Reference] | None = None
    version: str = ""
    _by_number: dict[str, dict[str, Topic]] = field(
        default_factory=dict, init=False, repr=False, compare=False)

    def topics_for(self, number: str) -> dict[str, Topic]:
        """Every topic with ``number`` in its texts, by id: worked out once per number,
        since a clinic has one."""
        found = self._by_number.get(number)
        if found is None:
            found = self._by_number[number] = {
                tid: topic.for_number(number) for tid, topic in self.topics.items()}
        return found


class RuleSetError(ProblemsError):
    def __init__(self, problems: list[Problem], directory: str) -> None:
        super().__init__(sorted(problems), f"The rule set in {directory} cannot be used")


def load_ruleset(directory: Path | str) -> RuleSet:
    """Read every ``*.yaml`` file directly in ``directory``; raise RuleSetError on problems."""
    directory = Path(directory)
    files = sorted(p for p in directory.glob("*.y*ml") if p.is_file()) if directory.is_dir() else []
    if not files:
        raise RuleSetError([Problem(str(directory), 1, "no rule files (*.yaml) found")],
                           str(directory))
    problems: list[Problem] = []
    topics: dict[str, tuple[Topic, str]] = {}
    rules: dict[str, tuple[Rule, str]] = {}
    references: dict[str, tuple[Reference, str]] = {}
    broken_ids: set[str] = set()
    unreadable = False
    for path in files:
        display = _display(path)
        parsed, found, broken = _parse_file(path, display)
        problems += found
        broken_ids |= broken
        unreadable |= parsed is None
        for topic in parsed.topics if parsed else []:
            _add_unique(topics, topic, display, "topic", problems)
        for rule in parsed.rules if parsed else []:
            _add_unique(rules, rule, display, "rule", problems)
        for reference in parsed.references if parsed else []:
            _add_unique(references, reference, display, "reference", problems)
    for rule, file in rules.values():
        problems += _check_rule(rule, file, topics, broken_ids, unreadable)
    produced = {t for rule, _ in rules.values() for t in rule.adds}
    for topic, file in topics.values():
        if topic.id not in produced and not broken_ids and not unreadable:
            problems.append(Problem(file, topic.line or 1, "no rule adds this topic",
                                    f"topic '{topic.id}'"))
        problems += _check_texts(topic, file)
        if references:
            problems += _cite(topic, file, {rid: ref for rid, (ref, _) in references.items()})
    if problems:
        raise RuleSetError(problems, str(directory))
    return RuleSet(
        topics={tid: topic for tid, (topic, _) in topics.items()},
        rules=tuple(CompiledRule(r, compile_condition(r.when), compile_explainer(r.when), f)
                    for r, f in rules.values()),
        source=str(directory),
        references={rid: ref for rid, (ref, _) in references.items()} or None,
        version=ruleset_version(directory, files),
    )


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _parse_file(path: Path, display: str) -> tuple[RuleFile | None, list[Problem], set[str]]:
    """The file's topics and rules that are well formed, the problems, and broken ids."""
    data, problems = load_yaml(path, display)
    if data is None:
        return None, problems, set()
    if not isinstance(data, LineDict):
        return None, problems + [Problem(display, 1, "a rule file must be a mapping with "
                                         "'topics' and/or 'rules' lists")], set()
    for key in data:
        if key not in _SECTIONS:
            problems.append(Problem(display, data.key_lines[key], f"unknown key '{key}'"
                                    f"{did_you_mean(key, list(_SECTIONS))}"))
    good: dict[str, list[Any]] = {"topics": [], "rules": [], "references": []}
    broken: set[str] = set()
    for key, model in _SECTIONS.items():
        if key not in data:
            continue
        items = data[key]
        if not isinstance(items, LineList):
            problems.append(Problem(display, data.key_lines.get(key, 1), f"'{key}' must be a list"))
            continue
        for item in items:
            try:
                good[key].append(model.model_validate(item))
            except ValidationError as exc:
                owner = _owner(model, item)
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    broken.add(item["id"])
                problems += [_from_pydantic(display, item, err, owner) for err in exc.errors()]
    return RuleFile(**good), problems, broken


def _owner(model: type[BaseModel], item: Any) -> str:
    kind = {Topic: "topic", Rule: "rule"}.get(model, "reference")
    ident = item.get("id") if isinstance(item, dict) else None
    return f"{kind} '{ident}'" if ident else f"{kind} (no id)"


def _from_pydantic(display: str, item: Any, err: Any, owner: str) -> Problem:
    loc = tuple(err["loc"])
    line = line_at(item, loc)
    names = [str(p) for p in loc if isinstance(p, str) and p not in ("answer", "all", "any", "not")]
    field = names[-1] if names else (str(loc[-1]) if loc else "")
    kind = err["type"]
    if kind == "extra_forbidden":
        message = f"unknown key '{loc[-1]}'{did_you_mean(str(loc[-1]), _KNOWN_KEYS)}"
    elif kind == "missing":
        message = f"missing required field '{loc[-1]}'"
    elif kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        choices = re.split(r", | or ", expected.replace("'", ""))
        message = (f"'{err['input']}' is not allowed for '{field}'"
                   f"{did_you_mean(str(err['input']), choices)}"
                   f"; expected {expected}")
    else:
        where = f"'{field}': " if field else ""
        message = f"{where}{err['msg'].removeprefix('Value error, ')}"
    return Problem(display, line, message, owner)


def _add_unique(seen: dict[str, tuple[Any, str]], item: Topic | Rule | Reference, file: str,
                kind: str,
                problems: list[Problem]) -> None:
    if item.id in seen:
        first, first_file = seen[item.id]
        problems.append(Problem(file, item.line or 1, f"duplicate {kind} id (first defined at "
                                f"{first_file}:{first.line})", f"{kind} '{item.id}'"))
    else:
        seen[item.id] = (item, file)


def _check_rule(rule: Rule, file: str, topics: dict[str, Any], broken: set[str],
                unreadable: bool) -> list[Problem]:
    """Problems with one rule; references are not checked while another file is unreadable."""
    owner = f"rule '{rule.id}'"
    problems = [Problem(file, leaf.line or rule.line or 1, message, owner)
                for leaf in leaves(rule.when) for message in _check_leaf(leaf)]
    for topic_id in rule.adds:
        if topic_id not in topics and topic_id not in broken and not unreadable:
            problems.append(Problem(file, rule.line or 1, f"adds undefined topic '{topic_id}'"
                                    f"{did_you_mean(topic_id, topics)}", owner))
    problems += [Problem(file, rule.line or 1, f"decision language in the description: "
                         f"'{phrase}'", owner) for phrase in decision_phrases(rule.description)]
    problems += [Problem(file, rule.line or 1, f"promotional word in the description: "
                         f"'{word}'", owner) for word in promotional_words(rule.description)]
    return problems


def _check_leaf(leaf: Answer) -> list[str]:
    """Why this test can never mean what its author meant, against the catalogue."""
    question = QUESTIONS.get(leaf.question)
    if question is None:
        return [f"unknown question '{leaf.question}'{did_you_mean(leaf.question, QUESTIONS)}"]
    op = leaf.operator
    if op not in _ALLOWED_OPERATORS[question.kind]:
        allowed = ", ".join(sorted(_ALLOWED_OPERATORS[question.kind]))
        return [f"'{op}' does not work on {question.kind} question '{question.id}'; "
                f"use one of: {allowed}"]
    if op == "answered":
        return []
    operands = leaf.operand if isinstance(leaf.operand, list) else [leaf.operand]
    return [m for value in operands if (m := _check_operand(question, op, value))]


def _check_operand(question: Question, op: str, value: object) -> str | None:
    if question.kind == "integer":
        if not isinstance(value, int):
            return f"'{question.id}' is a number, but '{op}' compares it with text {value!r}"
        if not question.minimum <= value <= question.maximum:  # type: ignore[operator]
            return (f"{value} is outside the range of '{question.id}' "
                    f"({question.minimum} to {question.maximum})")
        return None
    if not isinstance(value, str):
        return f"'{question.id}' takes text values, but '{op}' compares it with the number {value}"
    if value not in question.values:
        return (f"'{question.id}' has no value '{value}'"
                f"{did_you_mean(value, question.values)}")
    return None


def _check_texts(topic: Topic, file: str) -> list[Problem]:
    """Decision language, promotional words and unknown ``{placeholders}`` in any text, and
    the balance of a procedure topic."""
    owner = f"topic '{topic.id}'"
    problems = []
    for name, text in topic.checked_texts():
        for locale, value in text.all_texts().items():
            where = f"{name} ({locale})"
            line = text.line or topic.line or 1
            unchecked = missing_lists(locale)
            if unchecked:
                problems.append(Problem(file, line, f"'{locale}' text in {name} cannot be "
                                        f"checked: no {', '.join(unchecked)} word lists for "
                                        f"'{locale}' in screener/engine/language.py", owner))
                continue
            problems += [Problem(file, line, f"decision language in {where}: '{phrase}'", owner)
                         for phrase in decision_phrases(value)]
            problems += [Problem(file, line, f"promotional word in {where}: '{word}'", owner)
                         for word in promotional_words(value)]
            problems += [Problem(file, line, f"unknown placeholder in {where}: '{found}'; the "
                                 f"only one is '{NUMBER_PLACEHOLDER}'", owner)
                         for found in re.findall(r"\{[^}]*\}", value)
                         if found != NUMBER_PLACEHOLDER]
    if topic.id.startswith(PROCEDURE_PREFIX):
        problems += [Problem(file, topic.body.line or topic.line or 1,
                             f"a procedure topic must name {gap} (body, {locale})", owner)
                     for locale, value in topic.body.all_texts().items()
                     if not missing_lists(locale) for gap in balance_gaps(value, locale)]
    return problems


def _cite(topic: Topic, file: str, references: dict[str, Reference]) -> list[Problem]:
    """Every source must be a reviewed reference; the topic then shows their exact titles."""
    unknown = [s for s in topic.sources if s not in references]
    if not unknown:
        topic.__pydantic_private__["_citations"] = [  # type: ignore[index]
            references[s].title for s in topic.sources]
    return [Problem(file, topic.line or 1, f"source '{s}' is not in the reference list"
                    f"{did_you_mean(s, references)}", f"topic '{topic.id}'") for s in unknown]

