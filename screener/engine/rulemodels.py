"""The shape of a rule file: topics of guidance and the rules that add them.

Pydantic checks the structure (unknown keys, missing fields, types); ``loader`` then checks
meaning against the question catalogue. Texts are maps of locale to text with English
required, so a translation is added beside the English without touching any rule.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, PrivateAttr, StrictStr, model_validator

from ..catalogue.conditions import Condition, Located

CATEGORIES = ("urgent", "discuss", "prepare", "risk", "learn")
# Topic texts may name the clinic's configured emergency number (911, 999, 112).
NUMBER_PLACEHOLDER = "{emergency_number}"
Category = Literal["urgent", "discuss", "prepare", "risk", "learn"]
ID_PATTERN = r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$"
LOCALE_PATTERN = r"^[a-z]{2}(?:-[A-Z]{2})?$"


class Text(Located):
    """A text in one or more languages; English is required."""

    model_config = Located.model_config | {"extra": "allow"}
    en: StrictStr = Field(min_length=1)

    @model_validator(mode="after")
    def _locales_are_texts(self) -> Text:
        for locale, value in self.all_texts().items():
            if not re.fullmatch(LOCALE_PATTERN, str(locale)):
                raise ValueError(f"'{locale}' is not a locale code like 'en' or 'es'")
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"the '{locale}' text must be non-empty text")
        return self

    def in_locale(self, locale: str) -> str:
        """The text in ``locale``, falling back to English."""
        return (self.model_extra or {}).get(locale) or self.en

    def all_texts(self) -> dict[str, str]:
        return {"en": self.en, **(self.model_extra or {})}

    def with_number(self, number: str) -> Text:
        """The text with the configured emergency number in place of the placeholder."""
        return Text.model_validate({locale: value.replace(NUMBER_PLACEHOLDER, number)
                                    for locale, value in self.all_texts().items()})


class Topic(Located):
    id: StrictStr = Field(pattern=ID_PATTERN)
    category: Category
    priority: int = 50
    title: Text
    body: Text
    ask: list[Text] = Field(default_factory=list)
    # The nurse record's line for this topic: a short clinical phrase, since the record is
    # read by clinicians and kept under 200 words; the title stands in when there is none.
    record: Text | None = None
    sources: list[StrictStr] = Field(min_length=1)
    review: dict[str, Literal["draft", "reviewed"]] = Field(default_factory=dict)
    _as_json: dict[str, dict[str, Any]] = PrivateAttr(default_factory=dict)
    _numbered: dict[str, Topic] = PrivateAttr(default_factory=dict)
    _citations: list[str] = PrivateAttr(default_factory=list)

    def texts(self) -> list[tuple[str, Text]]:
        """Every text a person reads, named as in the file."""
        return [("title", self.title), ("body", self.body),
                *((f"ask[{i}]", text) for i, text in enumerate(self.ask))]

    def checked_texts(self) -> list[tuple[str, Text]]:
        """Every text of the topic, the staff's record line included: what the checks read."""
        return [*self.texts(), *([("record", self.record)] if self.record else [])]

    def record_title(self, locale: str) -> str:
        """The topic's line in the nurse record, in ``locale``."""
        return (self.record or self.title).in_locale(locale)

    def for_number(self, number: str) -> Topic:
        """This topic with ``number`` in its texts, built once per number (itself when its
        texts name no number)."""
        numbered = self.__pydantic_private__["_numbered"]  # type: ignore[index]
        if number not in numbered:
            numbered[number] = self
            if any(NUMBER_PLACEHOLDER in value for _, text in self.checked_texts()
                   for value in text.all_texts().values()):
                copy = self.model_copy(update={
                    "title": self.title.with_number(number),
                    "body": self.body.with_number(number),
                    "ask": [a.with_number(number) for a in self.ask],
                    "record": self.record and self.record.with_number(number)})
                copy.__pydantic_private__ = {  # type: ignore[assignment]
                    **self.__pydantic_private__, "_as_json": {}, "_numbered": {}}
                numbered[number] = copy
        return numbered[number]

    @property
    def citations(self) -> list[str]:
        """The sources as readers see them: reference titles where the rule set has a
        reference list, else the source texts as written."""
        return self.__pydantic_private__["_citations"] or list(self.sources)  # type: ignore[index]

    def as_json(self, locale: str = "en") -> dict[str, Any]:
        """The topic as the API shows it in ``locale``; built once, read-only after.

        The cache is read through ``__pydantic_private__`` directly: pydantic's attribute
        hook for private fields costs more than building the dict.
        """
        cache = self.__pydantic_private__["_as_json"]  # type: ignore[index]
        if locale not in cache:
            cache[locale] = {
                "id": self.id, "category": self.category,
                "title": self.title.in_locale(locale), "body": self.body.in_locale(locale),
                "ask": [a.in_locale(locale) for a in self.ask], "sources": self.citations,
            }
        return cache[locale]


class Rule(Located):
    id: StrictStr = Field(pattern=ID_PATTERN)
    description: StrictStr = Field(min_length=1)
    when: Condition
    adds: list[StrictStr] = Field(min_length=1)
    stop: bool = False
    only_categories: list[Category] = Field(default_factory=list)


class Reference(Located):
    """One reviewed source, with its exact title; topics cite it by id."""

    id: StrictStr = Field(pattern=ID_PATTERN)
    title: StrictStr = Field(min_length=1)
    url: StrictStr | None = None
    note: StrictStr | None = None


class RuleFile(Located):
    """One YAML file; a rule set may spread topics and rules over several."""

    topics: list[Topic] = Field(default_factory=list)
    rules: list[Rule] = Field(default_factory=list)
    references: list[Reference] = Field(default_factory=list)
