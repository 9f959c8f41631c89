"""Authenticated encryption of contact details, answers and notes (cryptography's Fernet).

Keys come from ``SCREENER_DATA_KEYS``: one or more Fernet keys separated by commas or
spaces. The first encrypts; every key decrypts, so a new key is put first, ``screener keys
rotate`` re-encrypts every row with it, and the old key is removed afterwards.

Each value is sealed together with the row id and the field name, so a ciphertext copied
into another row or column does not decrypt there.

Each key has a short id (``key_id``): a one-way fingerprint, safe to print and to store, so
start-up and ``keys rotate`` can say which key is missing without ever showing a key.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Iterable
from typing import Any

import orjson
from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ..problems import ConfigError


class DataKeyError(ConfigError):
    """The configured data keys are missing or malformed."""


class SealError(ValueError):
    """A stored value does not decrypt with any key, or belongs to another row or field."""

    reason = "cannot be opened"


class KeyMissing(SealError):
    """No configured key opens the value: the key it was sealed under is not configured."""

    reason = "key missing"


class Misplaced(SealError):
    """The value opens, but was sealed for another row or field (copied in the database)."""

    reason = "sealed for another record"


def parse_keys(value: str | Iterable[str] | None) -> list[str]:
    """The keys in a ``SCREENER_DATA_KEYS`` value (a string, or a list from JSON)."""
    if value is None:
        return []
    items = value.replace(",", " ").split() if isinstance(value, str) else list(value)
    return [str(item).strip() for item in items if str(item).strip()]


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def key_id(key: str) -> str:
    """A non-secret name for ``key``: 12 hex digits of a SHA-256 of it (one-way, and the
    key has 256 bits, so the id tells nothing about the key)."""
    raw = base64.urlsafe_b64decode(key.encode("ascii"))
    return hashlib.sha256(b"screener data key id\0" + raw).hexdigest()[:12]


class Cipher:
    """Seals and opens values for one row field; the first key encrypts."""

    def __init__(self, keys: str | Iterable[str] | None) -> None:
        parsed = parse_keys(keys)
        if not parsed:
            raise DataKeyError("SCREENER_DATA_KEYS is not set: the handoff stores contact details "
                            "and answers encrypted and needs at least one key. Make one with: "
                            "screener keys generate")
        try:
            self._fernets = [Fernet(key) for key in parsed]
        except (ValueError, TypeError) as exc:
            raise DataKeyError("SCREENER_DATA_KEYS holds a value that is not a Fernet key "
                            "(32 url-safe base64 bytes; make one with: screener keys "
                            "generate)") from exc
        self._multi = MultiFernet(self._fernets)
        # The first encrypts; start-up records it, so a database tells which keys it needs.
        self.key_ids = tuple(key_id(key) for key in parsed)

    def seal(self, row_id: str, field: str, value: Any) -> str:
        envelope = orjson.dumps({"id": row_id, "f": field, "v": value})
        return self._multi.encrypt(envelope).decode("ascii")

    def open(self, row_id: str, field: str, token: str) -> Any:
        try:
            envelope = orjson.loads(self._multi.decrypt(token.encode("ascii")))
        except (InvalidToken, ValueError) as exc:
            raise KeyMissing(f"{field} of a stored submission does not decrypt") from exc
        if envelope.get("id") != row_id or envelope.get("f") != field:
            raise Misplaced(f"{field} of a stored submission belongs to another record")
        return envelope["v"]

    def try_open(self, row_id: str, field: str, token: str) -> tuple[Any, str | None]:
        """(value, None), or (None, why) when it cannot be opened: one such value shows
        as "cannot be read" to staff instead of taking a whole page down."""
        try:
            return self.open(row_id, field, token), None
        except SealError as exc:
            return None, exc.reason

    def needs_rotation(self, token: str) -> bool:
        """True when ``token`` was not made with the first (current) key."""
        try:
            self._fernets[0].decrypt(token.encode("ascii"))
        except InvalidToken:
            return True
        return False

    def opens(self, token: str) -> bool:
        """True when some configured key decrypts ``token``."""
        try:
            self._multi.decrypt(token.encode("ascii"))
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str) -> str:
        """``token`` re-encrypted with the first key (the contents are unchanged); KeyMissing
        when no configured key opens it."""
        try:
            return self._multi.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken as exc:
            raise KeyMissing("a stored value does not decrypt with any configured key") from exc
