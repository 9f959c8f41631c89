"""Key rotation beside a running clinic, on SQLite and PostgreSQL: patients withdraw while
``keys rotate`` runs, and one row is sealed under a key nobody has.

Run: .venv/bin/python bench/key_rotation.py [--rows 240] [--batch 100]
                                            [--backends sqlite,postgresql]

For each backend: a fresh database (SQLite file; a throwaway PostgreSQL on loopback),
ROWS submissions each with a nurse's corrected version and a call note, plus one
submission sealed under a lost key. The rotation runs with the new key first; between
reading each batch of submissions and writing it back, half of that batch is withdrawn
(the worst interleaving). Prints the rows withdrawn during the rotation and how many of
them hold any data afterwards, the rows rotated, the unreadable rows reported, and the
rotation's own time per 1,000 rows (the withdrawals' time left out). Exit code 1 if any
withdrawn row holds data, or any row but the lost one is left under the old key.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from screener.store.crypto import Cipher, new_key  # noqa: E402
from screener.store.db import make_engine, upgrade  # noqa: E402
from screener.store.localpg import LocalPostgres  # noqa: E402
from screener.store.models import Role, Submission, SubmissionEvent, SubmissionVersion  # noqa: E402
from screener.store.rotation import SEALED  # noqa: E402
from screener.store.service import Store  # noqa: E402
from screener.store.submissions import Contact, NewSubmission  # noqa: E402

SECRET = "bench-" + "s" * 40
ANSWERS = {"red_flags": ["none"], "pain_score": 6}


def populate(store: Store, rows: int) -> list[str]:
    staff, token = store.accounts.add("nurse@bench.example", Role.NURSE)
    sids = []
    for n in range(rows):
        new = NewSubmission(answers=ANSWERS, urgent=False, contact=Contact(
            f"Patient {n}", "555 010 1234", "morning"), note="Mornings", language="en",
            ruleset_version="bench", consent_version="bench", guidance=("discuss-miss",))
        sid, _, _ = store.submissions.create(new, f"{n:032d}", 30)
        store.casework.save_version(sid, staff.id, dict(ANSWERS, pain_score=7))
        store.casework.add_note(sid, staff.id, f"call {n}")
        sids.append(sid)
    return sids


def measure(url: str, rows: int, batch: int) -> bool:
    old, new = new_key(), new_key()
    clinic = Store(url, old, SECRET)
    populate(clinic, rows)
    lost = Store(url, new_key(), SECRET)
    lost_sid = lost.submissions.create(NewSubmission(
        answers=ANSWERS, urgent=False, contact=Contact("Lost", "1", "morning"), note="",
        language="en", ruleset_version="bench", consent_version="bench"), "9" * 32, 30)[0]
    lost.dispose()
    rotating = Store(url, f"{new},{old}", SECRET)
    withdrawn: list[str] = []
    hook = [0.0]

    def meanwhile(table: str, ids: list) -> None:
        begun = time.perf_counter()
        if table == "submissions":
            for sid in ids[::2]:
                if sid != lost_sid and clinic.submissions.withdraw(sid):
                    withdrawn.append(sid)
        hook[0] += time.perf_counter() - begun

    started = time.perf_counter()
    report = rotating.rotate_keys(batch, meanwhile)
    took = time.perf_counter() - started - hook[0]  # the rotation's own time
    only_new = Cipher(new)
    with rotating.engine.connect() as connection:
        with_data = len(set(connection.scalars(select(Submission.id).where(
            Submission.id.in_(withdrawn),
            Submission.contact.is_not(None) | Submission.answers.is_not(None)
            | Submission.note.is_not(None) | Submission.guidance.is_not(None)))) | set(
            connection.scalars(select(SubmissionVersion.submission_id).where(
                SubmissionVersion.submission_id.in_(withdrawn)))) | set(
            connection.scalars(select(SubmissionEvent.submission_id).where(
                SubmissionEvent.submission_id.in_(withdrawn),
                SubmissionEvent.note.is_not(None)))))
        left_old = 0
        for table, columns in SEALED:
            key = next(iter(table.primary_key.columns))
            for row in connection.execute(select(key, *(table.c[c] for c in columns))):
                if row[0] != lost_sid and any(t and only_new.needs_rotation(t) for t in row[1:]):
                    left_old += 1
    rotated = sum(report.rotated.values())
    which = ("the lost row" if report.unreadable.get("submissions") == [lost_sid]
             else report.unreadable)
    print(f"  {len(withdrawn)} rows withdrawn during rotation: {with_data} with data "
          f"afterwards; {rotated} rows re-sealed, {left_old} left under the old key; "
          f"unreadable reported: {report.unreadable_count} "
          f"({which}); "
          f"{took / max(rotated, 1) * 1000:.2f} s per 1,000 rows")
    rotating.dispose()
    clinic.dispose()
    return with_data == 0 and left_old == 0 and report.unreadable_count == 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=240)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    ok = True
    for backend in args.backends.split(","):
        print(backend)
        if backend == "sqlite":
            url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'bench.db'}"
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            ok &= measure(url, args.rows, args.batch)
            continue
        server = LocalPostgres().start()
        try:
            url = server.create_database("bench")
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            ok &= measure(url, args.rows, args.batch)
        finally:
            server.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
