"""Why the store refused, in the staff member's language, worded where it is shown: the
store (no Flask, no gettext) gives a reason code and its values (``AccountError.reason``
and ``.values``, a record's ``unreadable`` reason), this maps each to a catalogue string.
A code with no wording here is shown as the store gave it, never dropped."""

from __future__ import annotations

from flask_babel import gettext

from ...i18n import N_
from ...store.accounts import AccountError

ACCOUNT_REASONS = {
    "not_an_email": N_("“%(email)s” is not an email address"),
    "taken": N_("there is already an account for %(email)s"),
    "no_account": N_("no account for %(email)s"),
    "disabled": N_("%(email)s is disabled; enable it first"),
    "setup_expired": N_("This setup link has expired or was already used."),
    "wrong_code": N_("That code does not match. Check the time on your phone and type the "
                     "6 digits your app shows now."),
    # passwords.PROBLEMS
    "short": N_("Use at least %(minimum)s characters. A few unrelated words work well."),
    "long": N_("Use at most %(maximum)s characters."),
    "common": N_("This password is on a list of common passwords. Choose another."),
    "pattern": N_("Avoid repeated or sequential characters. Choose another."),
    "personal": N_("Avoid your name, email or the clinic's name. Choose another."),
}

# Why a stored value cannot be opened (store/crypto.py SealError.reason).
UNREADABLE = {
    "cannot be opened": N_("cannot be opened"),
    "key missing": N_("key missing"),
    "sealed for another record": N_("sealed for another record"),
}


def account_refusal(exc: AccountError) -> str:
    """An account change the store refused, in the reader's language."""
    wording = ACCOUNT_REASONS.get(exc.reason)
    return gettext(wording, **exc.values) if wording else str(exc)


def unreadable_reason(reason: str) -> str:
    """Why a record cannot be read ("key missing"), in the reader's language."""
    wording = UNREADABLE.get(reason)
    return gettext(wording) if wording else reason
