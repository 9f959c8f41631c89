"""Which data keys the database needs, checked before anything is read or sealed.

The ``key_check`` table holds the non-secret id (``crypto.key_id``) of every key stored
data may be sealed under: the encrypting key of every configuration the app has started
with. A configuration without one of them is refused, naming the missing id, instead of
starting, sealing new submissions under the wrong key and failing on every staff page.
``keys rotate`` removes the ids nothing is sealed under any more.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Engine, delete, insert, select
from sqlalchemy.exc import IntegrityError

from .crypto import Cipher, DataKeyError, KeyMissing
from .models import KeyCheck, Submission


class WrongDataKeys(DataKeyError):
    """SCREENER_DATA_KEYS lacks a key that stored data is sealed under."""


def needed(engine: Engine) -> dict[str, datetime]:
    """The ids of the keys stored data may be sealed under, with when each was first used."""
    with engine.connect() as connection:
        return dict(connection.execute(select(KeyCheck.key_id, KeyCheck.first_used_at)).all())


def check_keys(engine: Engine, cipher: Cipher) -> None:
    """Raise WrongDataKeys unless every key stored data needs is configured; then record
    the encrypting key, so a later start-up without it is refused too."""
    stored = _check_needed(engine, cipher)
    if stored:
        record(engine, cipher.key_ids[:1])
        return
    _probe(engine, cipher)
    # A database from before key ids: any configured key may have sealed something.
    record(engine, cipher.key_ids)


def canary(engine: Engine, cipher: Cipher) -> None:
    """For readiness, changing nothing: raise WrongDataKeys (or KeyMissing) unless every
    key stored data needs is configured and the newest stored reference code opens."""
    _check_needed(engine, cipher)
    _probe(engine, cipher)


def _check_needed(engine: Engine, cipher: Cipher) -> dict[str, datetime]:
    stored = needed(engine)
    missing = {kid: at for kid, at in stored.items() if kid not in cipher.key_ids}
    if missing:
        named = ", ".join(f"{kid} (first used {at:%Y-%m-%d})" for kid, at in sorted(
            missing.items()))
        raise WrongDataKeys(
            f"SCREENER_DATA_KEYS cannot open what is stored: it lacks the data key with id "
            f"{named}; the configured keys have id {', '.join(cipher.key_ids)}. Put the "
            f"missing key back in SCREENER_DATA_KEYS, after the new one ('screener keys ids' "
            f"prints the id of each configured key), until 'screener keys rotate' has "
            f"re-encrypted everything with the first key.")
    return stored


def _probe(engine: Engine, cipher: Cipher) -> None:
    """Open the newest stored submission's reference code (never erased) with the keys."""
    with engine.connect() as connection:
        row = connection.execute(
            select(Submission.id, Submission.reference).where(
                Submission.reference.is_not(None))
            .order_by(Submission.created_at.desc()).limit(1)).first()
    if row is None:
        return
    try:
        cipher.open(row.id, "reference", row.reference)
    except KeyMissing as exc:
        raise WrongDataKeys(
            f"SCREENER_DATA_KEYS cannot open what is stored: the newest submission does not "
            f"decrypt with any configured key (id {', '.join(cipher.key_ids)}). This "
            f"database was sealed before key ids were recorded, so the missing key's id is "
            f"unknown: put back the key it was sealed with.") from exc


def record(engine: Engine, key_ids: tuple[str, ...], moment: datetime | None = None) -> None:
    """Note that data may now be sealed under these keys (a no-op for known ones)."""
    moment = moment or datetime.now(UTC)
    for kid in key_ids:
        try:
            with engine.begin() as connection:
                if connection.scalar(select(KeyCheck.key_id).where(KeyCheck.key_id == kid)):
                    continue
                connection.execute(insert(KeyCheck).values(key_id=kid, first_used_at=moment))
        except IntegrityError:  # another server recorded it at the same moment
            continue


def retire(engine: Engine, cipher: Cipher, everything_readable: bool) -> None:
    """After a rotation: nothing is sealed under the configured old keys any more, and,
    when every stored value opened, under no key but the first."""
    others = KeyCheck.key_id != cipher.key_ids[0]
    with engine.begin() as connection:
        connection.execute(delete(KeyCheck).where(
            others if everything_readable else KeyCheck.key_id.in_(cipher.key_ids[1:])))
