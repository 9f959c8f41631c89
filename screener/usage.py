"""Daily usage counts for the clinic: one counter per day and event, never a person.

A row is (day, event, count) and nothing else: no time of day, no address, no answer, so
a count can never be traced back to whoever caused it. Counting must never break a page:
a database that is down loses the count, is logged, and shows in ``/readyz``.

Any SQLAlchemy database works: SQLite in the instance folder by default (shared by the
workers of one server), PostgreSQL when several servers share the counts.
"""

from __future__ import annotations

import datetime
import logging
import os
from collections import Counter
from collections.abc import Iterable

from sqlalchemy import (
    Column,
    Date,
    Engine,
    Integer,
    MetaData,
    String,
    Table,
    create_engine,
    event,
    func,
    select,
    text,
    update,
)
from sqlalchemy.exc import SQLAlchemyError

log = logging.getLogger(__name__)

EVENTS = ("started", "finished", "emergency", "urgent", "intake_finished", "handoff_sent",
          "booking_click", "saved", "resumed", "expired")
TOPIC = "topic:"  # prefix of "how often each topic was shown", one event per topic id

metadata = MetaData()
counts = Table(
    "usage_counts", metadata,
    Column("day", Date, primary_key=True),
    Column("event", String(120), primary_key=True),
    Column("count", Integer, nullable=False),
)
PROBE_DAY = datetime.date(2000, 1, 1)  # /readyz's write check: a day no count is ever for


def today() -> datetime.date:
    """The day counts go to: UTC, so a clinic's servers agree on it. The usage page reads
    it once and draws up to that day (a test pins it for a whole request)."""
    return datetime.datetime.now(datetime.UTC).date()


class UsageCounts:
    """The counters in one database; safe to share between threads and worker processes."""

    def __init__(self, url: str) -> None:
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._ready = False
        # gunicorn preloads the app and forks: no connection may be shared with the workers.
        os.register_at_fork(after_in_child=lambda: self.engine.dispose(close=False))

    def _schema(self) -> None:
        if not self._ready:
            metadata.create_all(self.engine)
            self._ready = True

    def add(self, events: Iterable[str], day: datetime.date | None = None) -> bool:
        """Add one to each event today; False (and a log line) when the database failed."""
        wanted = Counter(events)
        if not wanted:
            return True
        day = day or today()
        try:
            self._schema()
            with self.engine.begin() as db:
                for name, n in sorted(wanted.items()):
                    changed = db.execute(update(counts).where(
                        counts.c.day == day, counts.c.event == name).values(
                        count=counts.c.count + n)).rowcount
                    if not changed:
                        db.execute(_insert(self.engine).values(day=day, event=name, count=n)
                                   .on_conflict_do_update(
                                       index_elements=["day", "event"],
                                       set_={"count": counts.c.count + n}))
            return True
        except SQLAlchemyError as exc:
            log.warning("usage counts not recorded: %s", type(exc).__name__)
            return False

    def daily(self, since: datetime.date, until: datetime.date
              ) -> dict[datetime.date, dict[str, int]]:
        """Every day from ``since`` to ``until`` (the caller's today, read once for the
        whole page), with its counts (days without any included)."""
        self._schema()
        with self.engine.connect() as db:
            rows = db.execute(select(counts).where(counts.c.day >= since,
                                                   counts.c.day <= until)).all()
        days = {since + datetime.timedelta(n): {} for n in range((until - since).days + 1)}
        for day, name, n in rows:
            days.setdefault(day, {})[name] = n
        return days

    def first_day(self) -> datetime.date | None:
        self._schema()
        with self.engine.connect() as db:
            return db.execute(select(func.min(counts.c.day))).scalar()

    def totals(self) -> dict[str, int]:
        self._schema()
        with self.engine.connect() as db:
            rows = db.execute(select(counts.c.event, func.sum(counts.c.count))
                              .group_by(counts.c.event)).all()
        return {name: int(total) for name, total in rows}

    def ping(self) -> None:
        """Raises when the database cannot be reached (for ``/readyz``)."""
        with self.engine.connect() as db:
            db.execute(text("SELECT 1"))

    def write_check(self) -> None:
        """Raises unless the database accepts a write (for ``/readyz``): a count is added
        for a day long gone, then rolled back."""
        from .store.probe import write_rolled_back

        self._schema()
        write_rolled_back(self.engine,
                          _insert(self.engine).values(day=PROBE_DAY, event="readyz", count=0))


def _insert(engine: Engine):  # type: ignore[no-untyped-def]
    """INSERT ... ON CONFLICT for the two databases the screener supports."""
    if engine.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    return insert(counts)


def _sqlite_pragmas(connection, _record) -> None:  # type: ignore[no-untyped-def]
    """Several gunicorn workers write one file: wait for each other instead of failing."""
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()
