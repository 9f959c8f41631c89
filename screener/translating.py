"""Maintaining translations: extract the strings to translate, update each language's
catalogue, and report what is missing or not yet reviewed.

Strings come from the templates and Python sources (gettext calls) and from the question
catalogue itself, so a new question is offered to translators without marking anything.
A fuzzy entry is a draft: shown to users, listed as "needs review" until a medical
translator clears the flag.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from .catalogue.questions import PAGES, PARTS, QUESTIONS, RED_FLAG_GROUPS, STEPS
from .engine.disclaimer import DISCLAIMER_TEXT, RECORD_DISCLAIMER_TEXT
from .engine.loader import RuleSet
from .engine.rulemodels import CATEGORIES
from .engine.safety_net import SAFETY_NET_TEXT, SAFETY_NET_TITLE
from .i18n import TRANSLATIONS_DIR, context_of
from .resources import data_dir

KEYWORDS = {"_": None, "gettext": None, "t": None, "N_": None, "lazy_gettext": None}
METHODS = [("**.py", "python"), ("**.html", "jinja2.ext:babel_extract")]


def catalogue_texts() -> list[str]:
    """Every text the question catalogue shows, plus categories, the safety net and the
    disclaimer."""
    texts = [DISCLAIMER_TEXT, RECORD_DISCLAIMER_TEXT, SAFETY_NET_TITLE, SAFETY_NET_TEXT,
             *CATEGORIES, *(group.say for group in RED_FLAG_GROUPS)]
    for step in STEPS:
        texts.append(step.title)
    texts += [title for title, _ in PARTS]
    texts += [text for page in PAGES for text in (page.prompt, page.help)]
    for q in QUESTIONS.values():
        texts += [q.prompt, q.help, q.say, q.low_label, q.high_label, q.missing,
                  q.nurse_field]
        texts += [text for c in q.choices for text in (c.label, c.say, c.nurse, c.record_name)]
    # The same words in two contexts are two texts to translate (``InContext``).
    return [text for text, _ in dict.fromkeys((text, context_of(text)) for text in texts)
            if text]


def extract() -> Catalog:
    template = Catalog(project="screener", charset="utf-8")
    package = Path(__file__).resolve().parent
    for directory in (package, data_dir("templates")):
        for filename, lineno, message, comments, _context in extract_from_dir(
                str(directory), METHODS, keywords=KEYWORDS,
                options_map={"**.html": {"trimmed": "true"}}):
            template.add(message, locations=[(filename, lineno)], auto_comments=comments)
    for text in catalogue_texts():
        template.add(text, locations=[("screener/catalogue/questions.py", 0)],
                     context=context_of(text))
    return template


def po_path(locale: str) -> Path:
    return TRANSLATIONS_DIR / locale / "LC_MESSAGES" / "messages.po"


def update(locale: str) -> Path:
    """Bring ``locale``'s catalogue in line with the current strings (created if new)."""
    template = extract()
    path = po_path(locale)
    if path.exists():
        with path.open("rb") as source:
            catalogue = read_po(source, locale=locale)
        catalogue.update(template, no_fuzzy_matching=True)
    else:
        catalogue = Catalog(locale=locale, project="screener", charset="utf-8")
        catalogue.update(template, no_fuzzy_matching=True)
        path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as target:
        write_po(target, catalogue, width=100, omit_header=False, ignore_obsolete=True)
    return path


@dataclass(frozen=True)
class LanguageReport:
    locale: str
    missing_interface: tuple[str, ...]
    draft_interface: int
    missing_topics: tuple[str, ...]
    draft_topics: tuple[str, ...]


def report(locale: str, ruleset: RuleSet) -> LanguageReport:
    """What ``locale`` lacks (falls back to English) and what is still a draft."""
    expected = {m.id for m in extract() if m.id}
    path = po_path(locale)
    translated: dict[str, bool] = {}
    if path.exists():
        with path.open("rb") as source:
            for message in read_po(source, locale=locale):
                if message.id and message.string:
                    translated[str(message.id)] = message.fuzzy
    missing_topics = [
        topic.id for topic in ruleset.topics.values()
        if any(locale not in text.all_texts() for _, text in topic.checked_texts())
    ]
    draft_topics = [topic.id for topic in ruleset.topics.values()
                    if topic.id not in missing_topics and topic.review.get(locale) != "reviewed"]
    return LanguageReport(
        locale,
        tuple(sorted(m for m in expected if m not in translated)),
        sum(1 for m in expected if translated.get(m)),
        tuple(missing_topics), tuple(draft_topics),
    )
