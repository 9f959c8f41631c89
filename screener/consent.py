"""The plain-language notice a patient agrees to before sending answers to the clinic.

The notice has a version, stored with every submission. ``FINGERPRINT`` is a hash of the
English paragraphs: a test fails when the wording changes without a new ``VERSION``, so the
stored version always names the words the patient read. Placeholders (clinic name, days)
are filled when shown.
"""

from __future__ import annotations

import hashlib

from .i18n import N_

VERSION = "2026-12-2"
TITLE = N_("Before you send: what happens to your answers")
PARAGRAPHS = (
    N_("What is stored: your answers to this screener, the language you used, and the name, "
       "phone number, best time to call and note you typed above. We do not store your "
       "address, your computer's address or anything to track you."),
    N_("Who sees it: only the intake staff of %(clinic)s, after signing in. Every time they "
       "open it is recorded."),
    N_("For how long: %(days)s days. Then it is deleted, whether or not the clinic has "
       "called."),
    N_("It is kept safe: your name, phone number, answers and note are stored encrypted."),
    N_("You can change your mind: withdraw at once on the next page, or later with your "
       "reference code and phone number. Withdrawing deletes what you sent."),
    N_("Sending is your choice. If you do not send, nothing is stored and you can still call "
       "the clinic."),
)
AGREE = N_("I have read this and I want to send my answers to %(clinic)s.")
FINGERPRINT = "77c27c1259aa"


def fingerprint() -> str:
    """The first 12 hex digits of the SHA-256 of the English notice."""
    text = "\n".join((TITLE, *PARAGRAPHS, AGREE))
    return hashlib.sha256(text.encode()).hexdigest()[:12]
