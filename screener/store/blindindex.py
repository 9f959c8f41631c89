"""A keyed blind index of names and phone numbers: staff find a caller who lost the code,
while names and numbers stay sealed and the index holds nothing readable.

Each entry is an HMAC-SHA256 of a normalised term, under an index key derived one way from
a data key (``index_key``): a different key from the one that seals the data, so the index
never holds anything the data keys' ciphertext does, and a dump of the index cannot be
turned back into names by anyone without the keys (a plain hash of a name could, by
hashing a phone book). Names are casefolded, accents stripped (a nurse may type "Jose" for
"José"), punctuation and spacing collapsed; the full name and each word are indexed.
Numbers keep digits only, and are indexed with and without the clinic's country code and
trunk 0, so "+1 555 010 1234", "555-010-1234" and "15550101234" find each other.

Searching hashes what was typed under every configured key, so search keeps working while
``screener keys rotate`` recomputes the entries under the first key (``reindex``), which
also indexes submissions stored before the index existed. Never decrypts to search.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Engine, delete, exists, insert, select
from sqlalchemy.orm import Session

from .crypto import Cipher, SealError, key_id, parse_keys
from .db import write_lock
from .models import SearchEntry, Submission

INFO = b"screener blind index v1\0"
MIN_PHONE_DIGITS = 6
BATCH = 100


def index_key(data_key: str) -> bytes:
    """The index key that goes with ``data_key``: an HMAC of a fixed label under it (one
    way, so neither key tells anything about the other)."""
    raw = base64.urlsafe_b64decode(data_key.encode("ascii"))
    return hmac.new(raw, INFO, hashlib.sha256).digest()


def normal_name(name: str) -> str:
    """Casefolded, accents stripped, anything but letters and digits a single space."""
    decomposed = unicodedata.normalize("NFKD", name)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join("".join(ch if ch.isalnum() else " " for ch in bare).split())


def name_terms(name: str) -> set[str]:
    """The full normalised name and each of its words."""
    full = normal_name(name)
    return {full, *full.split()} - {""}


def _national(digits: str, code: str) -> str:
    """``digits`` without the country code and the trunk 0, where they leave a number."""
    if code and digits.startswith(code) and len(digits) - len(code) >= MIN_PHONE_DIGITS:
        digits = digits[len(code):]
    if digits.startswith("0") and len(digits) > MIN_PHONE_DIGITS:
        digits = digits[1:]
    return digits


def phone_terms(phone: str, country_code: str) -> set[str]:
    """The digits as typed, and the national number (no international 00 or +, no country
    code, no trunk 0), so any two ways of writing one number share a term. Digits that
    start with 00 are read both ways, as an international prefix and as part of the
    number: which one was meant cannot be told from the digits alone."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if len(digits) < MIN_PHONE_DIGITS:
        return set()
    code = "".join(ch for ch in country_code if ch.isdigit())
    readings = [digits, *([digits[2:]] if digits.startswith("00") else [])]
    return {digits} | {_national(reading, code) for reading in readings}


@dataclass(frozen=True)
class Keyed:
    key_id: str
    key: bytes

    def digest(self, kind: str, term: str) -> str:
        message = kind.encode() + b"\0" + term.encode("utf-8")
        return hmac.new(self.key, message, hashlib.sha256).hexdigest()


class BlindIndex:
    """The index keys (one per configured data key, the first writes) and the terms."""

    def __init__(self, data_keys: str | Iterable[str] | None, country_code: str = "") -> None:
        self.keys = [Keyed(key_id(k), index_key(k)) for k in parse_keys(data_keys)]
        self.country_code = "".join(ch for ch in country_code or "" if ch.isdigit())[:4]

    @property
    def writer(self) -> str:
        """What entries written now are tagged with: the writing key's id and the country
        code their numbers were read with; entries tagged otherwise are redone by
        ``reindex`` (after a key rotation, or a change of PHONE_COUNTRY_CODE)."""
        return f"{self.keys[0].key_id}+{self.country_code}"

    def terms(self, name: str, phone: str) -> set[tuple[str, str]]:
        return ({("name", t) for t in name_terms(name)}
                | {("phone", t) for t in phone_terms(phone, self.country_code)})

    def entries(self, sid: str, name: str, phone: str) -> list[dict[str, str]]:
        """Rows for ``SearchEntry``: the terms under the first (writing) key."""
        writer = self.keys[0]
        return [{"submission_id": sid, "key_id": self.writer,
                 "digest": writer.digest(kind, term)}
                for kind, term in sorted(self.terms(name, phone))]

    def wanted(self, typed: str) -> list[str]:
        """Digests that match ``typed`` as a name or as a number, under every key."""
        terms = {("name", normal_name(typed))} - {("name", "")}
        terms |= {("phone", t) for t in phone_terms(typed, self.country_code)}
        return sorted({keyed.digest(kind, term) for keyed in self.keys for kind, term in terms})


def add(session: Session, index: BlindIndex, sid: str, name: str, phone: str) -> None:
    """Index one submission in the caller's transaction."""
    rows = index.entries(sid, name, phone)
    if rows:
        session.execute(insert(SearchEntry), rows)


def forget(session: Session, sid: str) -> None:
    """Withdrawn: its name and number must not be findable any more."""
    session.execute(delete(SearchEntry).where(SearchEntry.submission_id == sid))


@dataclass
class Reindexed:
    indexed: int = 0
    unreadable: list[str] | None = None


def reindex(engine: Engine, cipher: Cipher, index: BlindIndex,
            batch: int = BATCH) -> Reindexed:
    """Recompute the entries under the first key of every submission that has contact
    details and entries under another key or country code, or none at all (stored before
    the index)."""
    stale = exists().where(SearchEntry.submission_id == Submission.id,
                           SearchEntry.key_id != index.writer)
    indexed = exists().where(SearchEntry.submission_id == Submission.id)
    report = Reindexed(unreadable=[])
    last = ""
    while True:
        with engine.connect() as connection:
            rows = connection.execute(
                select(Submission.id, Submission.contact)
                .where(Submission.contact.is_not(None), Submission.id > last,
                       stale | ~indexed)
                .order_by(Submission.id).limit(batch)).all()
        if not rows:
            return report
        last = rows[-1].id
        for row in rows:
            try:
                contact = cipher.open(row.id, "contact", row.contact)
            except SealError:
                report.unreadable.append(row.id)  # type: ignore[union-attr]
                continue
            with Session(engine) as session:
                write_lock(session)
                still = session.scalar(select(Submission.contact.is_not(None)).where(
                    Submission.id == row.id).with_for_update())
                if still:  # never index again what a withdrawal erased meanwhile
                    forget(session, row.id)
                    add(session, index, row.id, contact["name"], contact["phone"])
                    report.indexed += 1
                session.commit()


def left_old(engine: Engine, index: BlindIndex) -> list[str]:
    """Submissions with entries under an old key (added by a server not yet restarted
    with the new key first): that key is still needed to find them."""
    with engine.connect() as connection:
        return list(connection.scalars(
            select(SearchEntry.submission_id).where(
                SearchEntry.key_id != index.writer).distinct()))
