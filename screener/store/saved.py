"""Saved screenings: save, take (once) and purge, each in one transaction.

The row is found by a lookup id: HMAC-SHA256(lookup key, scrypt(code, lookup salt)),
where the lookup key and a clinic-wide lookup salt are derived one way from each data
key (as ``blindindex.index_key`` derives the index key, with their own labels) and scrypt
has the seal's parameters (``LOOKUP_KDF``). So the table never holds the code; a dump of
it cannot be matched against guessed codes without the keys; and even whoever holds the
keys and the table pays one memory-hard derivation per guess (16 MiB; a fast HMAC alone
would let a GPU try the 2 ** 60 codes against every live row at once in days).
bench/save_return.py prints that cost. The payload is sealed under the code alone, with
a salt of its own (``codebox.py``): the data keys find a row, only the code opens it.

The trade-off: every code typed, right or wrong, costs the server one scrypt per data key
before the database is asked; the per-address limit (``SAVE_RETURN_RATE_LIMIT``, counted
before the lookup) bounds that work.

``take`` derives the lookup first, outside any transaction (on SQLite the write lock
would be held through the scrypt otherwise), then deletes the row and commits
(``DELETE ... RETURNING``): of any number of simultaneous takes of one code, exactly one
gets the row; it is opened after the commit (a row that does not open is gone anyway). A
wrong, malformed, used or expired code all give None alike.

Lookup ids are made under the first data key and searched under every configured key,
so a key rotation keeps saved screenings findable while the old key is still configured
(they expire within ``save_return_days`` anyway).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from . import savecode
from .codebox import KDF, KdfParams, Sealed, open_sealed, seal
from .crypto import DataKeyError, parse_keys
from .models import SavedScreening, now

LOOKUP_INFO = b"screener saved screening lookup v1\0"
LOOKUP_SALT_INFO = b"screener saved screening lookup salt v1\0"
# The lookup's scrypt: the seal's cost. Changing it makes live saves unfindable (they
# expire within save_return_days), so raise it with KDF only between releases that say so.
LOOKUP_KDF = KDF
_ATTEMPTS = 5  # a fresh code on the (2 ** -60) chance that one is taken already


def lookup_key(data_key: str) -> bytes:
    """The lookup key that goes with ``data_key``: an HMAC of a fixed label under it (one
    way; a different label from the blind index's, so the two keys share nothing)."""
    raw = base64.urlsafe_b64decode(data_key.encode("ascii"))
    return hmac.new(raw, LOOKUP_INFO, hashlib.sha256).digest()


def lookup_salt(data_key: str) -> bytes:
    """The clinic-wide scrypt salt for lookups under ``data_key`` (one way, its own label):
    fixed, so a code's lookup id can be found again; secret with the key, so no table of
    precomputed codes works without it."""
    raw = base64.urlsafe_b64decode(data_key.encode("ascii"))
    return hmac.new(raw, LOOKUP_SALT_INFO, hashlib.sha256).digest()[:16]


class SavedScreenings:
    """The saved-screening table over one engine's sessions and the data keys."""

    def __init__(self, sessions: sessionmaker[Session], data_keys: str | Iterable[str] | None,
                 params: KdfParams = KDF) -> None:
        keys = [(lookup_key(key), lookup_salt(key)) for key in parse_keys(data_keys)]
        if not keys:
            raise DataKeyError("SCREENER_DATA_KEYS is not set: saved screenings are found "
                               "by a keyed lookup id. Make a key with: screener keys generate")
        self.sessions = sessions
        self._keys = keys
        self.params = params

    def lookup_ids(self, code: str, first_only: bool = False) -> list[str]:
        """The lookup ids ``code`` (normalised) may be stored under: one per data key,
        the first key's first; each costs one scrypt (``LOOKUP_KDF``)."""
        keys = self._keys[:1] if first_only else self._keys
        return [hmac.new(key, LOOKUP_KDF.derive(code, salt), hashlib.sha256).hexdigest()
                for key, salt in keys]

    def save(self, payload: dict[str, Any], days: int,
             moment: datetime | None = None) -> str:
        """Seal ``payload`` under a new return code, kept ``days`` days; the code
        (normalised: show it with ``savecode.format_code``). Committed before returning."""
        moment = moment or now()
        for _ in range(_ATTEMPTS):
            code = savecode.new_code()
            lookup = self.lookup_ids(code, first_only=True)[0]
            sealed = seal(code, payload, lookup.encode("ascii"), self.params)
            row = SavedScreening(
                lookup=lookup, salt=sealed.salt, kdf_n=sealed.params.n,
                kdf_r=sealed.params.r, kdf_p=sealed.params.p, sealed=sealed.blob,
                created_at=moment, expires_at=moment + timedelta(days=days))
            with self.sessions() as session:
                session.add(row)
                try:
                    session.commit()
                    return code
                except IntegrityError:
                    session.rollback()
        raise RuntimeError("no free return code after several tries")  # pragma: no cover

    def take(self, typed: str, moment: datetime | None = None) -> dict[str, Any] | None:
        """The payload saved under the code ``typed`` (any case, spaces, dashes), deleted
        in the same transaction; None for a wrong, malformed, used or expired code."""
        code = savecode.normalise(typed)
        if code is None:
            return None
        moment = moment or now()
        lookups = self.lookup_ids(code)  # the scrypt work, before any lock is taken
        with self.sessions() as session:
            row = session.execute(
                delete(SavedScreening)
                .where(SavedScreening.lookup.in_(lookups),
                       SavedScreening.expires_at > moment)
                .returning(SavedScreening.lookup, SavedScreening.salt, SavedScreening.kdf_n,
                           SavedScreening.kdf_r, SavedScreening.kdf_p,
                           SavedScreening.sealed)).first()
            if row is None:
                session.rollback()
                return None
            session.commit()
        sealed = Sealed(bytes(row.salt), KdfParams(row.kdf_n, row.kdf_r, row.kdf_p),
                        bytes(row.sealed))
        # None when the stored bytes were changed: the row is gone all the same.
        return open_sealed(code, sealed, row.lookup.encode("ascii"))

    def purge(self, moment: datetime | None = None) -> int:
        """Delete every expired saved screening; the number deleted."""
        with self.sessions() as session:
            result = session.execute(delete(SavedScreening).where(
                SavedScreening.expires_at <= (moment or now())))
            session.commit()
            return result.rowcount or 0

    def count(self) -> int:
        """All rows, live or not (for tests and benchmarks)."""
        with self.sessions() as session:
            return session.scalar(select(func.count()).select_from(SavedScreening)) or 0
