"""Declarative conditions over an answer set, shared by rules and question visibility.

A condition is data, never code: YAML maps onto these typed models, rule loading checks
them against the question catalogue, and ``compile_condition`` turns them into plain
predicates so evaluating thousands of rules stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    StrictBool,
    StrictInt,
    StrictStr,
    Tag,
    TypeAdapter,
    model_validator,
)

Answers = Mapping[str, Any]
Predicate = Callable[[Answers], bool]

OPERATORS = (
    "equals",
    "one_of",
    "includes_any",
    "includes_all",
    "answered",
    "gt",
    "gte",
    "lt",
    "lte",
)


class Located(BaseModel):
    """A model that remembers the YAML line it came from, for error messages."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)
    _line: int | None = PrivateAttr(default=None)

    @model_validator(mode="wrap")
    @classmethod
    def _remember_line(cls, data: Any, handler: Callable[[Any], Any]) -> Any:
        obj = handler(data)
        line = getattr(data, "line", None)
        if line is not None:
            obj._line = line
        return obj

    @property
    def line(self) -> int | None:
        return self._line


class Answer(Located):
    """A test on one question's answer: ``{question: id, <operator>: operand}``."""

    question: StrictStr
    equals: StrictStr | StrictInt | None = None
    one_of: list[StrictStr | StrictInt] | None = Field(default=None, min_length=1)
    includes_any: list[StrictStr] | None = Field(default=None, min_length=1)
    includes_all: list[StrictStr] | None = Field(default=None, min_length=1)
    answered: StrictBool | None = None
    gt: StrictInt | None = None
    gte: StrictInt | None = None
    lt: StrictInt | None = None
    lte: StrictInt | None = None

    @model_validator(mode="after")
    def _exactly_one_operator(self) -> Answer:
        given = [op for op in OPERATORS if getattr(self, op) is not None]
        if len(given) != 1:
            found = ", ".join(given) if given else "none"
            raise ValueError(
                f"a condition on '{self.question}' needs exactly one operator "
                f"({', '.join(OPERATORS)}); found: {found}"
            )
        return self

    @property
    def operator(self) -> str:
        return next(op for op in OPERATORS if getattr(self, op) is not None)

    @property
    def operand(self) -> Any:
        return getattr(self, self.operator)


class AllOf(Located):
    """True when every inner condition is true."""

    all: list[Condition] = Field(min_length=1)


class AnyOf(Located):
    """True when at least one inner condition is true."""

    any: list[Condition] = Field(min_length=1)


class Not(Located):
    """True when the inner condition is false."""

    not_: Condition = Field(alias="not")


def _kind(data: Any) -> str:
    if isinstance(data, Mapping):
        for key in ("all", "any", "not"):
            if key in data:
                return key
        return "answer"
    return {AllOf: "all", AnyOf: "any", Not: "not"}.get(type(data), "answer")


Condition = Annotated[
    Annotated[Answer, Tag("answer")]
    | Annotated[AllOf, Tag("all")]
    | Annotated[AnyOf, Tag("any")]
    | Annotated[Not, Tag("not")],
    Discriminator(_kind),
]

for _model in (AllOf, AnyOf, Not):
    _model.model_rebuild()

_ADAPTER: TypeAdapter[Any] = TypeAdapter(Condition)


def condition(data: Mapping[str, Any]) -> Answer | AllOf | AnyOf | Not:
    """Build a condition from plain data (used by the catalogue for visibility)."""
    return _ADAPTER.validate_python(data)


def leaves(cond: Answer | AllOf | AnyOf | Not) -> list[Answer]:
    """Every single-question test inside ``cond``."""
    if isinstance(cond, Answer):
        return [cond]
    if isinstance(cond, AllOf):
        return [leaf for inner in cond.all for leaf in leaves(inner)]
    if isinstance(cond, AnyOf):
        return [leaf for inner in cond.any for leaf in leaves(inner)]
    return leaves(cond.not_)


def _compile_answer(test: Answer) -> Predicate:
    q, op, v = test.question, test.operator, test.operand
    if op == "equals":
        return lambda a: a.get(q) == v
    if op == "one_of":
        choices = tuple(v)
        return lambda a: a.get(q) in choices
    if op == "includes_any":
        wanted = frozenset(v)
        return lambda a: isinstance(x := a.get(q), _LISTS) and not wanted.isdisjoint(x)
    if op == "includes_all":
        wanted = frozenset(v)
        return lambda a: wanted.issubset(x if isinstance(x := a.get(q), _LISTS) else ())
    if op == "answered":
        return lambda a: (q in a) is v
    compare: dict[str, Callable[[int], bool]] = {
        "gt": lambda x: x > v,
        "gte": lambda x: x >= v,
        "lt": lambda x: x < v,
        "lte": lambda x: x <= v,
    }
    check = compare[op]
    return lambda a: _is_int(a.get(q)) and check(a[q])


# What the list tests read as a list; anything else (a tampered or hidden answer) counts
# as empty. Checked inline: the helper call it replaces cost a third of each list test.
_LISTS = (list, tuple)


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def compile_condition(cond: Answer | AllOf | AnyOf | Not) -> Predicate:
    """A fast predicate equivalent to ``cond`` (plain loops: cheaper than all()/any())."""
    if isinstance(cond, Answer):
        return _compile_answer(cond)
    if isinstance(cond, AllOf):
        parts = tuple(compile_condition(c) for c in cond.all)

        def all_of(a: Answers) -> bool:
            for part in parts:
                if not part(a):
                    return False
            return True

        return all_of
    if isinstance(cond, AnyOf):
        options = tuple(compile_condition(c) for c in cond.any)

        def any_of(a: Answers) -> bool:
            for option in options:
                if option(a):
                    return True
            return False

        return any_of
    inner = compile_condition(cond.not_)
    return lambda a: not inner(a)


Explainer = Callable[[Answers], dict[str, Any]]


def compile_explainer(cond: Answer | AllOf | AnyOf | Not) -> Explainer:
    """A function giving the answers that made ``cond`` true, for the trace a nurse reads.

    Called only once ``cond`` is known to hold (its rule fired), so a single test or an
    ``all`` needs no re-checking: every part of it holds. Inside ``any`` only the true
    branches count; inside ``not`` every question the negated test looks at counts, with
    its answer (or absence) as it stands.
    """
    if isinstance(cond, Answer):
        question = cond.question
        return lambda a: {question: a.get(question)}
    if isinstance(cond, AllOf):
        parts = tuple(compile_explainer(c) for c in cond.all)

        def explain_all(a: Answers) -> dict[str, Any]:
            found: dict[str, Any] = {}
            for why in parts:
                found.update(why(a))
            return found

        return explain_all
    if isinstance(cond, AnyOf):
        options = tuple((compile_condition(c), compile_explainer(c)) for c in cond.any)

        def explain_any(a: Answers) -> dict[str, Any]:
            found: dict[str, Any] = {}
            for test, why in options:
                if test(a):
                    found.update(why(a))
            return found

        return explain_any
    questions = tuple(dict.fromkeys(leaf.question for leaf in leaves(cond.not_)))
    return lambda a: {q: a.get(q) for q in questions}


def matched_answers(cond: Answer | AllOf | AnyOf | Not, answers: Answers) -> dict[str, Any]:
    """The answers that made ``cond`` true; empty when it does not hold."""
    return compile_explainer(cond)(answers) if compile_condition(cond)(answers) else {}
