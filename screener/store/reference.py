"""Reference codes: what a patient reads aloud on the phone or types to withdraw.

Twelve characters from Crockford's base 32 (no I, L, O or U), 60 bits, shown in three
groups of four. Typing is forgiving: case, spaces and dashes do not matter, and O, I and
L are read as 0, 1 and 1. The code is derived from the form's one-time send token, so a
second post of the same form finds the same code.
"""

from __future__ import annotations

import hashlib
import hmac

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
LENGTH = 12  # 60 bits
GROUP = 4
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})


def reference_for(secret: str, send_token: str) -> str:
    digest = hmac.new(secret.encode(), b"reference:" + send_token.encode(), "sha256").digest()
    number = int.from_bytes(digest[:8], "big") >> (64 - 5 * LENGTH)
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, 32)
        chars.append(ALPHABET[index])
    return "".join(reversed(chars))


def grouped(code: str) -> str:
    """``ABCD-EFGH-JKMN``: easier to read aloud and to copy."""
    return "-".join(code[i:i + GROUP] for i in range(0, len(code), GROUP))


def normalise(typed: str) -> str | None:
    """The code as stored, from what a person typed; None when it cannot be a code."""
    cleaned = "".join(ch for ch in typed.upper() if ch.isalnum()).translate(_READ_AS)
    if len(cleaned) != LENGTH or any(ch not in ALPHABET for ch in cleaned):
        return None
    return cleaned


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()
