"""Return codes for "save and come back later": the one secret that opens a saved screening.

Twelve characters from Crockford's base 32 (``0-9`` and ``A-Z`` without I, L, O and U: no
look-alikes), drawn with ``secrets``: 32 ** 12 = 2 ** 60 codes, 60 bits. Shown in three
groups of four (``K7QM-3XPA-9HWD``). Typing is as forgiving as for reference codes
(``reference.py``, whose alphabet and reading rules these share): any case, spaces and
dashes, and O, I, L read as 0, 1, 1.
"""

from __future__ import annotations

import math
import secrets

from .reference import ALPHABET, GROUP, LENGTH
from .reference import grouped as _grouped
from .reference import normalise as _normalise

BITS = LENGTH * math.log2(len(ALPHABET))  # 60.0


def new_code() -> str:
    """A fresh code, as stored (12 characters, no dashes)."""
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def format_code(code: str) -> str:
    """``K7QM-3XPA-9HWD``: the code as the patient is shown it."""
    return _grouped(code)


def normalise(typed: str) -> str | None:
    """The code as stored, from what a person typed; None when it cannot be a code."""
    return _normalise(typed)


__all__ = ["ALPHABET", "BITS", "GROUP", "LENGTH", "format_code", "new_code", "normalise"]
