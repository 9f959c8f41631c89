"""The best time to call back, as the patient chooses it on the handoff form and as staff
read it (the worklist, the submission, the call page) and the nurse record writes it:
one wording with its hours, in any language. Here, below the web and the exports, so
both read the same words (the exports may not import the web)."""

from __future__ import annotations

from ..i18n import N_, t

# The stored value and its words, hours included: "evening" is "Early evening (5 to 7)".
BEST_TIMES: tuple[tuple[str, str], ...] = (
    ("morning", N_("Morning (9 to 12)")), ("afternoon", N_("Afternoon (12 to 5)")),
    ("evening", N_("Early evening (5 to 7)")), ("any", N_("Any time")))


def best_time_words(value: str, locale: str) -> str:
    """A stored best time in ``locale``'s words with its hours; an unknown value as
    stored (a submission kept from before a time was renamed), never an error."""
    label = dict(BEST_TIMES).get(value)
    return t(label, locale) if label else value.replace("_", " ")
