"""Readiness: whether a database accepts writes, learnt by writing and rolling back.

A ``SELECT 1`` passes on a read-only database (a SQLite file without write permission, a
PostgreSQL standby, a full disk), where every handoff would fail: so ``/readyz`` inserts
the kind of row the handoff inserts, empty of any data, and never commits it.
"""

from __future__ import annotations

import secrets
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, insert

from .models import Submission


def write_rolled_back(engine: Engine, statement: Any) -> None:
    """Run ``statement`` in a transaction that is always rolled back; raises if refused."""
    with engine.connect() as db:
        transaction = db.begin()
        try:
            db.execute(statement)
        finally:
            transaction.rollback()


def submission_probe() -> Any:
    """An INSERT of a submission with no contact, answers or note, and digests nobody holds."""
    moment = datetime.now(UTC)
    return insert(Submission).values(
        reference_digest=secrets.token_hex(32), send_digest=secrets.token_hex(32),
        language="en", ruleset_version="readyz", consent_version="readyz",
        created_at=moment, expires_at=moment)


def check_handoff_writable(engine: Engine) -> None:
    write_rolled_back(engine, submission_probe())
