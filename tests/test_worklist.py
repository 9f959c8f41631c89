"""The worklist's page and totals, and the status counts, on SQLite and PostgreSQL: the
same as filtering and sorting every row by hand (urgent first, then oldest, then id), with
rows past their expiry left out before ``screener purge`` deletes them."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from screener.store.casework import OPEN, STAFF_STATUSES
from screener.store.models import Status
from screener.store.submissions import Contact, NewSubmission

from .conftest import COMPLETE_ANSWERS


@pytest.fixture
def casebook(store, nurse):
    """40 submissions: mixed statuses, some urgent, some sent at the same moment, some
    past their expiry; returns (moment, every row as the test expects to see it)."""
    rng = random.Random(3)
    moment = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    rows = []
    for n in range(40):
        sent = moment - timedelta(days=rng.choice([0, 1, 1, 5, 12, 29, 31, 40]))
        urgent = rng.random() < 0.3
        new = NewSubmission(
            answers=dict(COMPLETE_ANSWERS), urgent=urgent,
            contact=Contact(f"Person {n}", "555 010 1234", "morning"), note="",
            language="en", ruleset_version="test", consent_version="test")
        sid, _, _ = store.submissions.create(new, f"{n:032d}", 30, sent)
        status = rng.choice([*STAFF_STATUSES, Status.WITHDRAWN])
        if status is Status.WITHDRAWN:
            assert store.submissions.withdraw(sid, moment=sent)
        elif status is not Status.NEW:
            assert store.casework.set_status(sid, nurse.id, status, moment=sent)
        rows.append((sid, status, urgent, sent, sent + timedelta(days=30)))
    assert any(r[4] <= moment for r in rows) and any(r[4] > moment for r in rows)
    return moment, rows


@pytest.mark.parametrize("statuses", [OPEN, None, (Status.BOOKED,), (Status.WITHDRAWN,)])
def test_worklist_pages_are_the_live_rows_sorted(store, casebook, statuses):
    moment, rows = casebook
    wanted = sorted((r for r in rows if r[4] > moment and (statuses is None
                                                           or r[1] in statuses)),
                    key=lambda r: (not r[2], r[3], r[0]))
    for offset, limit in ((0, 50), (0, 7), (7, 7), (len(wanted) - 2, 7), (100, 7)):
        items, total = store.casework.worklist(statuses, offset, limit, moment=moment)
        assert total == len(wanted)
        assert [(i.id, i.status, i.urgent, i.created_at, i.expires_at) for i in items] == (
            wanted[offset:offset + limit])
        for item in items:
            assert (item.contact is None) == (item.status is Status.WITHDRAWN)
            assert item.contact is None or item.contact.best_time == "morning"


def test_counts_leave_out_what_has_expired(store, casebook):
    moment, rows = casebook
    counts = store.casework.counts(moment=moment)
    assert counts == {s: sum(1 for r in rows if r[1] is s and r[4] > moment) for s in Status}
    later = moment + timedelta(days=365)
    assert store.casework.counts(moment=later) == {s: 0 for s in Status}
    assert store.casework.worklist(None, 0, 50, moment=later) == ([], 0)
