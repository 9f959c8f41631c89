"""Password rules after NIST SP 800-63B: long enough, not common, not about us; no
composition rules. Hashing is argon2id (argon2-cffi's defaults), never by hand."""

from __future__ import annotations

import gzip
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 12
MAX_LENGTH = 128
COMMON = Path(__file__).with_name("common-passwords.txt.gz")
CONTEXT_WORDS = ("screener", "spine", "password", "clinic", "nurse")
_HASHER = PasswordHasher()
# Verified against when the email is unknown, so a wrong user costs as long as a wrong
# password.
_DUMMY = _HASHER.hash("not a real password, only for timing")


@cache
def common_passwords() -> frozenset[str]:
    """The bundled list (zxcvbn's 30,000 most common), lower-cased."""
    with gzip.open(COMMON, "rt", encoding="utf-8") as lines:
        return frozenset(line.strip().lower() for line in lines
                         if line.strip() and not line.startswith("#"))


def _sequential(text: str) -> bool:
    steps = {ord(b) - ord(a) for a, b in zip(text, text[1:], strict=False)}
    return len(steps) == 1 and steps <= {-1, 0, 1}


# Why a password cannot be used, by code: the code for pages that word it in their own
# language (web/staff/refusals.py), the English for the command line.
PROBLEMS = {
    "short": "Use at least {minimum} characters. A few unrelated words work well.",
    "long": "Use at most {maximum} characters.",
    "common": "This password is on a list of common passwords. Choose another.",
    "pattern": "Avoid repeated or sequential characters. Choose another.",
    "personal": "Avoid your name, email or the clinic's name. Choose another.",
}
PROBLEM_VALUES = {"minimum": str(MIN_LENGTH), "maximum": str(MAX_LENGTH)}


def problem_code(password: str, email: str = "", clinic: str = "") -> str | None:
    """Why ``password`` cannot be used, as a ``PROBLEMS`` code; None when it is fine."""
    if len(password) < MIN_LENGTH:
        return "short"
    if len(password) > MAX_LENGTH:
        return "long"
    lowered = password.lower()
    if lowered in common_passwords() or lowered.rstrip("0123456789!") in common_passwords():
        return "common"
    if len(set(lowered)) <= 2 or _sequential(lowered):
        return "pattern"
    local, _, domain = email.lower().partition("@")
    words = [*CONTEXT_WORDS, local, domain.split(".")[0], clinic.lower().replace(" ", "")]
    squeezed = "".join(ch for ch in lowered if ch.isalnum())
    rest = squeezed
    for word in words:
        if len(word) >= 4:
            rest = rest.replace(word, "")
    if len(rest) < 8:
        return "personal"
    return None


def problem(password: str, email: str = "", clinic: str = "") -> str | None:
    """Why ``password`` cannot be used, in plain words; None when it is fine."""
    code = problem_code(password, email, clinic)
    return PROBLEMS[code].format(**PROBLEM_VALUES) if code else None


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored: str | None, password: str) -> bool:
    """Constant work whether or not there is a stored hash."""
    try:
        return _HASHER.verify(stored or _DUMMY, password) and stored is not None
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return _HASHER.check_needs_rehash(stored)
