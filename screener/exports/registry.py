"""The list of export formats: what each is called, its media type and file extension, who
may have it, and how it is made.

Pages, the staff area, the API and the CLI offer what this list holds for their audience
instead of naming formats, so a new format is one module that calls ``register`` once
(and an import in ``exports/__init__.py``, or the web layer for one that needs it, as the
PDF does). Plain Python, no Flask.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Literal

from ..engine.evaluate import Result

Audience = Literal["patient", "nurse", "staff", "api"]
AUDIENCES: frozenset[str] = frozenset({"patient", "nurse", "staff", "api"})


@dataclass(frozen=True)
class Submission:
    """What the clinic knows of a sent screening, for the staff's exports."""

    reference: str
    sent_at: datetime
    sent_at_shown: str
    answers_version: str
    ruleset_version: str
    answered_at: datetime | None = None
    author: str | None = None


@dataclass(frozen=True)
class Source:
    """What a format is made from: the answers and their result, and the context some
    formats need (the FHIR canonical, the submission, the nurse's call record, the
    clinic's time zone and the reader's language when it is not the result's)."""

    answers: Mapping[str, Any]
    result: Result
    today: date | None = None
    canonical: str = "urn:miss-screener:questionnaire"
    submission: Submission | None = None
    call: Any = None
    zone: str = "UTC"
    locale: str | None = None


@dataclass(frozen=True)
class Format:
    """One export format. ``slug`` is the file's name in URLs (``summary.txt``);
    ``label`` is the link's words (an English catalogue string); a lower ``rank`` is
    offered first."""

    name: str
    media_type: str
    extension: str
    audiences: frozenset[str]
    render: Callable[[Source], str | bytes] = field(compare=False)
    label: str = ""
    slug: str = "summary"
    rank: int = 50

    def __post_init__(self) -> None:
        unknown = set(self.audiences) - AUDIENCES
        if unknown or not self.audiences:
            raise ValueError(f"format {self.name!r}: audiences must be among "
                             f"{sorted(AUDIENCES)}, got {sorted(self.audiences)}")

    @property
    def file_name(self) -> str:
        return f"{self.slug}.{self.extension}"


# Every registered format (``formats_for`` orders them by rank).
FORMATS: list[Format] = []


def register(fmt: Format) -> Format:
    """Add ``fmt`` to the list once; its name, and its file name within each audience,
    must be new."""
    for known in FORMATS:
        if known.name == fmt.name:
            raise ValueError(f"format {fmt.name!r} is registered already")
        if known.file_name == fmt.file_name and known.audiences & fmt.audiences:
            raise ValueError(f"formats {known.name!r} and {fmt.name!r} are both "
                             f"{fmt.file_name} for {sorted(known.audiences & fmt.audiences)}")
    FORMATS.append(fmt)
    return fmt


def unregister(fmt: Format) -> None:
    """Take ``fmt`` off the list (tests that register a format of their own)."""
    FORMATS.remove(fmt)


def formats_for(audience: Audience) -> list[Format]:
    """The formats ``audience`` may have, in the order they are offered."""
    return sorted((fmt for fmt in FORMATS if audience in fmt.audiences),
                  key=lambda fmt: fmt.rank)


def find(audience: Audience, slug: str, extension: str) -> Format | None:
    """The format offered to ``audience`` as ``slug.extension``, if there is one."""
    return next((fmt for fmt in formats_for(audience)
                 if fmt.slug == slug and fmt.extension == extension), None)


def named(name: str) -> Format | None:
    return next((fmt for fmt in FORMATS if fmt.name == name), None)
