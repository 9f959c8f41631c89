"""Re-encrypting every sealed value with the first data key, beside a running clinic.

Rows are read in small batches, re-sealed in memory, and written back one row at a time
with a compare-and-set: ``UPDATE ... WHERE id = :id AND <column> = :what_was_read``. A row
withdrawn, reset or edited in between no longer matches, so its newer state (erased data,
say) is never overwritten with the old value; it is read again and, if it still holds
something under an old key, re-sealed. Works alike on SQLite and PostgreSQL, holds no lock
while decrypting, and each batch is its own short transaction.

A value no configured key opens is left as it is and reported (the table and row id), so
one row sealed under a lost key does not stop the rest from being rotated. A last read
finds rows sealed under an old key during the pass (a server not yet restarted with the
new key first): reported, and the old key stays needed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, Table, bindparam, select, update

from .crypto import Cipher, KeyMissing
from .models import StaffAccount, Submission, SubmissionEvent, SubmissionVersion

# Every sealed column, by table. A new sealed column belongs here, or it is never rotated.
SEALED: tuple[tuple[Table, tuple[str, ...]], ...] = (
    (Submission.__table__, ("contact", "answers", "note", "reference", "guidance")),  # type: ignore[attr-defined]
    (SubmissionVersion.__table__, ("answers",)),  # type: ignore[attr-defined]
    (SubmissionEvent.__table__, ("note",)),  # type: ignore[attr-defined]
    (StaffAccount.__table__, ("totp_secret",)),  # type: ignore[attr-defined]
)
BATCH = 100
# A row changed by someone else between read and write is read again at most this often.
ATTEMPTS = 5

OnBatch = Callable[[str, list[Any]], None]


@dataclass
class Rotation:
    """What a rotation did, table by table."""

    rotated: dict[str, int] = field(default_factory=dict)
    # Rows holding a value no configured key opens: left as they are.
    unreadable: dict[str, list[Any]] = field(default_factory=dict)
    # Rows that kept changing under the rotation (run it again).
    busy: dict[str, list[Any]] = field(default_factory=dict)
    # Rows found under an old key after the pass: a server still encrypts with it.
    left_old: dict[str, list[Any]] = field(default_factory=dict)

    @property
    def unreadable_count(self) -> int:
        return sum(len(ids) for ids in self.unreadable.values())

    @property
    def busy_count(self) -> int:
        return sum(len(ids) for ids in self.busy.values())

    @property
    def complete(self) -> bool:
        """Nothing readable is left under an old key: the old keys' ids can be forgotten."""
        return not self.busy and not self.left_old


def rotate(engine: Engine, cipher: Cipher, batch: int = BATCH,
           on_batch: OnBatch | None = None) -> Rotation:
    """Re-seal every value not sealed with the first key. ``on_batch(table, ids)`` runs
    between reading a batch and writing it back (progress; tests change rows there)."""
    report = Rotation()
    for table, columns in SEALED:
        _rotate_table(engine, cipher, table, columns, batch, on_batch, report)
    for table, columns in SEALED:
        left = _left_old(engine, cipher, table, columns)
        if left:
            report.left_old[table.name] = left
    return report


def _left_old(engine: Engine, cipher: Cipher, table: Table,
              columns: tuple[str, ...]) -> list[Any]:
    """Rows still holding a value an old configured key opens (sealed during the pass by a
    server not yet restarted with the new key first)."""
    key = next(iter(table.primary_key.columns))
    with engine.connect() as connection:
        rows = connection.execute(select(key, *(table.c[name] for name in columns))).all()
    left = []
    for row in rows:
        for token in filter(None, row[1:]):
            if cipher.needs_rotation(token) and cipher.opens(token):
                left.append(row[0])
                break
    return left


def _rotate_table(engine: Engine, cipher: Cipher, table: Table, columns: tuple[str, ...],
                  batch: int, on_batch: OnBatch | None, report: Rotation) -> None:
    key = next(iter(table.primary_key.columns))
    wanted = [key, *(table.c[name] for name in columns)]
    unreadable: set[Any] = set()
    rotated, busy = 0, []
    last = None
    while True:
        query = select(*wanted).order_by(key).limit(batch)
        with engine.connect() as connection:
            rows = connection.execute(
                query if last is None else query.where(key > last)).all()
        if not rows:
            break
        last = rows[-1][0]
        if on_batch is not None:
            on_batch(table.name, [row[0] for row in rows])
        for _ in range(ATTEMPTS):
            done, changed = _write(engine, cipher, table, key, columns, rows, unreadable)
            rotated += done
            if not changed:
                break
            with engine.connect() as connection:  # read again what changed meanwhile
                rows = connection.execute(select(*wanted).where(key.in_(changed))).all()
        else:
            busy.extend(changed)
    report.rotated[table.name] = rotated
    if unreadable:
        report.unreadable[table.name] = sorted(unreadable)
    if busy:
        report.busy[table.name] = busy


def _reseal(cipher: Cipher, columns: tuple[str, ...], row: Any,
            unreadable: set[Any]) -> dict[str, tuple[str, str]]:
    """{column: (what was read, the same re-sealed with the first key)} for one row."""
    resealed = {}
    for name, token in zip(columns, row[1:], strict=True):
        if not token or not cipher.needs_rotation(token):
            continue
        try:
            resealed[name] = (token, cipher.rotate(token))
        except KeyMissing:
            unreadable.add(row[0])
    return resealed


def _write(engine: Engine, cipher: Cipher, table: Table, key: Any, columns: tuple[str, ...],
           rows: Sequence[Any], unreadable: set[Any]) -> tuple[int, list[Any]]:
    """Write back the re-sealed rows of one batch in one transaction; (rows rotated, ids
    of rows that no longer held what was read). Decrypting happens before it starts."""
    plans = [(row[0], plan) for row in rows
             if (plan := _reseal(cipher, columns, row, unreadable))]
    rotated, changed = 0, []
    if not plans:
        return rotated, changed
    statements: dict[tuple[str, ...], Any] = {}
    with engine.begin() as connection:
        for row_id, plan in plans:
            names = tuple(plan)
            if names not in statements:  # one statement per set of columns, compiled once
                statements[names] = update(table).where(
                    key == bindparam("row_id"),
                    *(table.c[name] == bindparam(f"old_{name}") for name in names)).values(
                    {name: bindparam(f"new_{name}") for name in names})
            values = {"row_id": row_id}
            for name, (old, new) in plan.items():
                values[f"old_{name}"], values[f"new_{name}"] = old, new
            if connection.execute(statements[names], values).rowcount == 1:
                rotated += 1
            else:
                changed.append(row_id)
    return rotated, changed
    with engine.begin() as connection:
        for row_id, plan in plans:
            result = connection.execute(
                update(table).where(key == row_id,
                                    *(table.c[name] == old for name, (old, _) in plan.items()))
                .values({name: new for name, (_, new) in plan.items()}))
            if result.rowcount == 1:
                rotated += 1
            else:
                changed.append(row_id)
    return rotated, changed
