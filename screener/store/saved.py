"""Saved screenings: save, take (once) and purge, each in one transaction.

The row is found by a lookup id: an HMAC-SHA256 of the normalised return code under a
lookup key derived one way from each data key (as ``blindindex.index_key`` derives the
index key, with its own label), so the table never holds the code, and a dump of it
cannot be matched against guessed codes without the keys. The payload is sealed under
the code alone (``codebox.py``): the data keys find a row, only the code opens it.

``take`` deletes the row it opens in the same transaction (``DELETE ... RETURNING``): of
any number of simultaneous takes of one code, exactly one gets the payload. A wrong,
malformed, used or expired code all give None alike.

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
_ATTEMPTS = 5  # a fresh code on the (2 ** -60) chance that one is taken already


def lookup_key(data_key: str) -> bytes:
    """The lookup key that goes with ``data_key``: an HMAC of a fixed label under it (one
    way; a different label from the blind index's, so the two keys share nothing)."""
    raw = base64.urlsafe_b64decode(data_key.encode("ascii"))
    return hmac.new(raw, LOOKUP_INFO, hashlib.sha256).digest()


class SavedScreenings:
    """The saved-screening table over one engine's sessions and the data keys."""

    def __init__(self, sessions: sessionmaker[Session], data_keys: str | Iterable[str] | None,
                 params: KdfParams = KDF) -> None:
        keys = [lookup_key(key) for key in parse_keys(data_keys)]
        if not keys:
            raise DataKeyError("SCREENER_DATA_KEYS is not set: saved screenings are found "
                               "by a keyed lookup id. Make a key with: screener keys generate")
        self.sessions = sessions
        self._keys = keys
        self.params = params

    def lookup_ids(self, code: str) -> list[str]:
        """The lookup ids ``code`` (normalised) may be stored under: one per data key,
        the first key's first."""
        return [hmac.new(key, code.encode("ascii"), hashlib.sha256).hexdigest()
                for key in self._keys]

    def save(self, payload: dict[str, Any], days: int,
             moment: datetime | None = None) -> str:
        """Seal ``payload`` under a new return code, kept ``days`` days; the code
        (normalised: show it with ``savecode.format_code``). Committed before returning."""
        moment = moment or now()
        for _ in range(_ATTEMPTS):
            code = savecode.new_code()
            lookup = self.lookup_ids(code)[0]
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
        with self.sessions() as session:
            row = session.execute(
                delete(SavedScreening)
                .where(SavedScreening.lookup.in_(self.lookup_ids(code)),
                       SavedScreening.expires_at > moment)
                .returning(SavedScreening.lookup, SavedScreening.salt, SavedScreening.kdf_n,
                           SavedScreening.kdf_r, SavedScreening.kdf_p,
                           SavedScreening.sealed)).first()
            if row is None:
                session.rollback()
                return None
            sealed = Sealed(bytes(row.salt), KdfParams(row.kdf_n, row.kdf_r, row.kdf_p),
                            bytes(row.sealed))
            payload = open_sealed(code, sealed, row.lookup.encode("ascii"))
            if payload is None:  # changed in the database: left to expire, never opened
                session.rollback()
                return None
            session.commit()
            return payload

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
