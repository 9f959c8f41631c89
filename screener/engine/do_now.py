"""The "What to do now" sentence that opens a result: chosen by what the result leads with.

Rules order topics by category (urgent, discuss, prepare, risk, learn), so the first topic
is the most important one; the sentence says what to do about it in plain words.
"""

from __future__ import annotations

from ..i18n import N_
from .evaluate import Result

DO_NOW = {
    "emergency": N_("Call the emergency number now. Do not drive yourself, and do not wait for "
                    "a clinic visit."),
    "urgent": N_("Please see a doctor soon, today or in the next few days. Call your doctor "
                 "or this clinic and say which symptoms you have."),
    "discuss": N_("Book a visit with a spine specialist to talk about it. Take this summary "
                  "with you."),
    "other": N_("Take this summary to your next visit with a doctor or spine specialist."),
}

# Where the clinic gave no phone number and no booking page, "book a visit" or "call this
# clinic" would point at nothing: the step is taking this summary to the person's doctor.
DO_NOW_NO_CLINIC = DO_NOW | {
    "urgent": N_("Please see a doctor soon, today or in the next few days. Call your doctor "
                 "and say which symptoms you have. Take this summary with you."),
    "discuss": N_("Take this summary to your doctor, and ask for a visit with a spine "
                  "specialist to talk about it."),
}

DO_NOW_NURSE = {
    "emergency": N_("Tell the caller to hang up and call the emergency number now, and not to "
                    "drive themselves."),
    "urgent": N_("Tell the caller to see a doctor soon, today or in the next few days, and to "
                 "say which symptoms they have. Offer the earliest visit."),
    "discuss": N_("Offer a visit with a spine specialist, and send the caller these topics "
                  "to read first."),
    "other": N_("Send the caller these topics, and offer a visit if they would like one."),
}


def do_now_text(result: Result, nurse: bool = False, reachable: bool = True) -> str:
    """The English sentence (a catalogue string) for what ``result`` leads with;
    ``reachable``: the clinic has a phone number or a booking page to send people to."""
    texts = DO_NOW_NURSE if nurse else DO_NOW if reachable else DO_NOW_NO_CLINIC
    if result.emergency:  # never "today or in the next few days" beside an emergency
        return texts["emergency"]
    category = result.topics[0].category if result.topics else "other"
    return texts.get(category, texts["other"])
