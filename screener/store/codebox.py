"""Encryption that only a return code opens: scrypt of the code, then AES-256-GCM.

A saved screening is sealed under a key derived from the patient's return code
(``savecode.py``) by scrypt, a memory-hard KDF, with a random 16-byte salt per save; the
server never holds that key, so neither staff nor a database administrator (nor anyone
holding the data keys) can open a saved screening without the code. The KDF's parameters
are stored with each row (``KdfParams``), so they can be raised later without making older
saves unreadable. The row's lookup id is bound to the ciphertext as associated data, so a
ciphertext copied into another row does not open there.

scrypt's memory is 128 * r * n bytes: n = 2 ** 14, r = 8 is 16 MiB per derivation, which a
GPU or ASIC attacker must pay for every guess (bench/save_return.py prints its time here).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

SALT_BYTES = 16
NONCE_BYTES = 12
KEY_BYTES = 32


@dataclass(frozen=True)
class KdfParams:
    """scrypt's cost (n, a power of two), block size (r) and parallelism (p)."""

    n: int
    r: int
    p: int

    @property
    def memory(self) -> int:
        """Bytes one derivation needs (scrypt: 128 * r * n)."""
        return 128 * self.r * self.n

    def derive(self, code: str, salt: bytes) -> bytes:
        """The 256-bit key for ``code`` (normalised) and ``salt``."""
        return hashlib.scrypt(code.encode("ascii"), salt=salt, n=self.n, r=self.r, p=self.p,
                              maxmem=2 * self.memory + 1024 * 1024, dklen=KEY_BYTES)


# What new saves use: 16 MiB (bench/save_return.py prints its time per resume). Raise it
# here; rows keep the parameters they were sealed with, so older saves still open.
KDF = KdfParams(n=2 ** 14, r=8, p=1)


@dataclass(frozen=True)
class Sealed:
    """What the store keeps of one save: the salt, the KDF parameters, nonce + ciphertext."""

    salt: bytes
    params: KdfParams
    blob: bytes


def seal(code: str, payload: dict[str, Any], bound_to: bytes,
         params: KdfParams = KDF) -> Sealed:
    """``payload`` (JSON-able) sealed under ``code`` with a fresh salt and nonce;
    ``bound_to`` (the row's lookup id) is authenticated with it, not stored inside it."""
    salt = os.urandom(SALT_BYTES)
    nonce = os.urandom(NONCE_BYTES)
    key = params.derive(code, salt)
    blob = nonce + AESGCM(key).encrypt(nonce, orjson.dumps(payload), bound_to)
    return Sealed(salt, params, blob)


def open_sealed(code: str, sealed: Sealed, bound_to: bytes) -> dict[str, Any] | None:
    """The payload, or None when ``code`` (or ``bound_to``) is not the one it was sealed
    with, or the stored bytes were changed."""
    if len(sealed.blob) <= NONCE_BYTES:
        return None
    key = sealed.params.derive(code, sealed.salt)
    nonce, body = sealed.blob[:NONCE_BYTES], sealed.blob[NONCE_BYTES:]
    try:
        payload = orjson.loads(AESGCM(key).decrypt(nonce, body, bound_to))
    except (InvalidTag, orjson.JSONDecodeError):
        return None
    return payload if isinstance(payload, dict) else None
