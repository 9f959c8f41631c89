"""Checks on the words themselves: no decisions, no promotion, and plain enough to read.

The screener educates; it never decides. Any text that tells a person they are or are
not a candidate, that they qualify, or that they need surgery is an error wherever it
appears: rule files, templates, question wording. Nor does it sell: guidance that a
specialist and a clinic's risk manager can stand behind never calls a treatment
"revolutionary" or "painless" (content brief, "Balance").
"""

from __future__ import annotations

import re
from functools import lru_cache

# Who a record's decision would be about, its verb, and what it would decide on.
_SUBJECT = r"(?:the\s+)?(?:patients?|pts?|callers?)"
_TO_BE = (r"(?:'s|\s+is|\s+are|\s+was|\s+were|\s+(?:would|will|may|might)\s+be|"
          r"\s+is\s+considered|\s+is\s+likely)")
_OPERATION = r"(?:surgery|MISS|operations?|procedures?|fusion|decompression|discectomy)\b"

# Each language's word lists, by locale: a language a text is written in must have all
# three (decision, promotional, balance) or the rule set does not load (``missing_lists``).
_DECISION_PATTERNS: dict[str, tuple[str, ...]] = {
    "en": (
        r"\byou(?:'re|\s+are|\s+were)\s+(?:not\s+|now\s+|likely\s+|probably\s+)?(?:an?\s+)?"
        r"(?:\w+\s+)?candidates?\b",
        r"\b(?:not\s+)?(?:an?\s+)?(?:good|ideal|suitable|strong|poor|likely)\s+candidates?\s+for\b",
        r"\byou\s+(?:do\s+not\s+|don't\s+|will\s+|would\s+|may\s+|might\s+)?qualify\b",
        r"\byou\s+(?:will\s+|definitely\s+|probably\s+|also\s+)?(?:need|require)s?\s+"
        r"(?:an?\s+)?(?:spine\s+|back\s+|spinal\s+)?(?:surgery|an\s+operation|operation)\b",
        r"\byou\s+(?:should|must)\s+(?:have|get|undergo)\s+(?:\w+\s+)?surgery\b",
        r"\byou\s+are\s+(?:not\s+)?(?:eligible|suitable|a\s+fit)\s+for\b",
        r"\byou\s+(?:are|aren't)\s+(?:not\s+)?cleared\s+for\b",
        # The same decisions about a patient, as a nurse record would write them: in the
        # third person ("Pt is a surgical candidate") or as a bare clinical phrase.
        rf"\b(?:{_SUBJECT}{_TO_BE}|(?:he|she|they)(?:'s|'re|\s+is|\s+are))\s+(?:not\s+)?"
        r"(?:\w+\s+){0,3}candidates?\b",
        rf"\b{_SUBJECT}{_TO_BE}\s+(?:not\s+)?(?:\w+\s+)?(?:eligible|suitable|a\s+fit|fit|"
        rf"cleared|appropriate)\s+for\s+(?:\w+\s+){{0,2}}{_OPERATION}",
        rf"\b{_SUBJECT}\s+(?:does\s+not\s+|doesn't\s+|would\s+|will\s+|may\s+)?"
        r"qualif(?:y|ies|ied)\b",
        rf"\b{_SUBJECT}\s+(?:will\s+|would\s+|may\s+|does\s+not\s+|doesn't\s+)?"
        rf"(?:needs?|requires?)\s+(?:\w+\s+){{0,3}}{_OPERATION}",
        rf"\b{_SUBJECT}\s+(?:should|must)\s+(?:have|get|undergo)\s+(?:\w+\s+){{0,3}}"
        rf"{_OPERATION}",
        r"\b(?:surgical|MISS|surgery|operative)\s+candidates?\b",
        rf"\bcandidates?\s+for\s+(?:\w+\s+){{0,2}}{_OPERATION}",
    ),
    "es": (
        r"\busted\s+(?:no\s+)?es\s+(?:(?:un|una)\s+)?(?:buen[oa]?\s+)?candidat[oa]s?\b",
        r"\busted\s+(?:no\s+)?califica\b",
        r"\busted\s+(?:no\s+)?es\s+apt[oa]\b",
        # About a patient, in the third person or as a bare clinical phrase ("Es candidato
        # a cirugía": Spanish drops the subject).
        r"\b(?:el\s+|la\s+)?paciente\s+(?:no\s+)?(?:es|ser[áa]|ser[íi]a)\s+(?:(?:un|una)\s+)?"
        r"(?:buen[oa]?\s+)?candidat[oa]\b",
        r"\bcandidat[oa]s?\s+(?:a|para)\s+(?:una\s+|la\s+)?(?:cirug[ií]a|operaci[oó]n|"
        r"intervenci[oó]n|CMI)\b",
        r"\b(?:apt[oa]s?|elegibles?)\s+para\s+(?:una\s+|la\s+)?(?:cirug[ií]a|operaci[oó]n|"
        r"intervenci[oó]n)\b",
        r"\bpaciente\s+(?:no\s+)?es\s+elegible\b",
        r"\bpaciente\s+(?:no\s+)?califica\s+para\b",
        r"\b(?:necesita|requiere)\s+(?:una\s+)?(?:cirug[ií]a|operaci[oó]n|ser\s+operad[oa])\b",
    ),
}
# Every language's patterns apply to every text: a Spanish phrase in an English text is
# still a decision.
_DECISION = re.compile("|".join(f"(?:{p})" for ps in _DECISION_PATTERNS.values() for p in ps),
                       re.IGNORECASE)


def decision_phrases(text: str) -> list[str]:
    """The phrases in ``text`` that state a decision (empty when there are none)."""
    return [m.group(0) for m in _DECISION.finditer(" ".join(text.split()))]


_PROMOTIONAL_PATTERNS: dict[str, tuple[str, ...]] = {
    "en": (
        r"revolution(?:ary|ise|ize|ises|izes|ised|ized)?",
        r"game[-\s]?changers?|game[-\s]?changing",
        r"ground[-\s]?breaking|breakthroughs?",
        r"cutting[-\s]edge|state[-\s]of[-\s]the[-\s]art",
        r"miracles?|miraculous(?:ly)?",
        r"painless(?:ly)?|pain[-\s]free",
        r"guarantee[sd]?",
        r"cure[sd]?",
        r"no\s+downtime",
    ),
    "es": (
        r"revolucionari[oa]s?",
        r"milagro(?:s|so|sa|sos|sas)?",
        r"indolor[oa]?s?|sin\s+ning[uú]n\s+dolor",
        r"garantiza(?:d[oa]s?|r)?|garant[ií]as?",
        r"de\s+vanguardia|innovaci[oó]n\s+revolucionaria",
        r"sin\s+tiempo\s+de\s+recuperaci[oó]n",
    ),
}
_PROMOTIONAL = re.compile(r"\b(?:" + "|".join(p for ps in _PROMOTIONAL_PATTERNS.values()
                                                for p in ps) + r")\b", re.IGNORECASE)


def promotional_words(text: str) -> list[str]:
    """The promotional words in ``text`` (empty when there are none)."""
    return [m.group(0) for m in _PROMOTIONAL.finditer(" ".join(text.split()))]


_RISK_OR_LIMIT = {
    "en": re.compile(r"\b(?:risks?|complications?|may not|does not help|did no better|"
                     r"not right for|can come back|comes back)\b", re.IGNORECASE),
    "es": re.compile(r"\b(?:riesgos?|complicaci[oó]n(?:es)?|puede no|no fue mejor|"
                     r"no sirve|vuelve a salirse|volver a salirse)\b", re.IGNORECASE),
}
_ALTERNATIVE = {
    "en": re.compile(r"\b(?:without surgery|non-surgical|exercise|physical therapy|"
                     r"pain medicine|pain care)\b", re.IGNORECASE),
    "es": re.compile(r"\b(?:sin cirug[ií]a|ejercicio|fisioterapia|medicamentos para el dolor)\b",
                     re.IGNORECASE),
}


def balance_gaps(text: str, locale: str = "en") -> list[str]:
    """What a procedure text leaves out of the balance every procedure topic must show: a
    risk or limit, and the non-surgical alternative (empty when both are there).

    A language without its lists is refused by the rule check (``missing_lists``) before
    this runs; called anyway, it raises rather than pass a text it cannot read."""
    if missing_lists(locale):
        raise KeyError(f"no balance word lists for '{locale}'")
    gaps = []
    if not _RISK_OR_LIMIT[locale].search(text):
        gaps.append("a risk or limit")
    if not _ALTERNATIVE[locale].search(text):
        gaps.append("the non-surgical alternative")
    return gaps


def missing_lists(locale: str) -> list[str]:
    """The safety word lists ``locale`` lacks (empty when it has all three): without them
    its texts would pass the decision, promotional and balance checks unread."""
    lists = {"decision": _DECISION_PATTERNS, "promotional": _PROMOTIONAL_PATTERNS,
             "balance (risk or limit)": _RISK_OR_LIMIT, "balance (alternative)": _ALTERNATIVE}
    return [name for name, by_locale in lists.items() if locale not in by_locale]


MAX_GRADE = 10.0
TARGET_MEAN_GRADE = 8.0
# Reading ease (Fernández Huerta for Spanish): 60-70 reads like grade 7-8, below 50 like
# upper secondary school, so these mirror the English grade limits.
MIN_EASE = 50.0
TARGET_MEAN_EASE = 60.0


@lru_cache(maxsize=4096)
def reading_grade(text: str, locale: str = "en") -> float:
    """Flesch-Kincaid grade for English; other languages are scored by ``reading_ease``."""
    import textstat

    textstat.set_lang("en")
    return float(textstat.flesch_kincaid_grade(text))


@lru_cache(maxsize=4096)
def reading_ease(text: str, locale: str) -> float:
    """A reading-ease score in the language's own measure (Fernández Huerta for Spanish)."""
    import textstat

    textstat.set_lang(locale)
    try:
        if locale == "es":
            return float(textstat.fernandez_huerta(text))
        return float(textstat.flesch_reading_ease(text))
    finally:
        textstat.set_lang("en")
