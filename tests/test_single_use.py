"""A code is accepted once, and an answer version gets a number of its own, even when the
same request arrives many times at once: on SQLite (which ignores ``FOR UPDATE``) and on
PostgreSQL alike. Threads wait at a barrier, then all go together."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pyotp
import pytest
from sqlalchemy import text

from screener.store.db import make_engine

from .conftest import COMPLETE_ANSWERS

AT_ONCE = 8


def all_at_once(action: Callable[[], Any], n: int = AT_ONCE) -> list[Any]:
    """``action`` run by ``n`` threads released together; their results (errors raised)."""
    barrier, results, errors = threading.Barrier(n), [], []

    def run() -> None:
        barrier.wait()
        try:
            results.append(action())
        except Exception as exc:  # noqa: BLE001 - reported below, with the others
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return results


def test_one_totp_code_sent_eight_times_at_once_is_accepted_once(store, nurse):
    code = nurse.code()
    results = all_at_once(lambda: store.accounts.check_second_factor(nurse.id, code))
    assert Counter(results) == {"totp": 1, None: AT_ONCE - 1}
    assert store.accounts.check_second_factor(nurse.id, code) is None  # and never again


def test_an_older_code_is_refused_once_a_newer_one_was_used(store, nurse):
    totp = pyotp.TOTP(nurse.secret)
    older, newer = (totp.generate_otp(nurse.next_step + i) for i in (0, 1))
    assert store.accounts.check_second_factor(nurse.id, newer) == "totp"
    assert store.accounts.check_second_factor(nurse.id, older) is None


def test_one_recovery_code_sent_eight_times_at_once_is_accepted_once(store, nurse):
    code = nurse.recovery[0]
    results = all_at_once(lambda: store.accounts.check_second_factor(nurse.id, code))
    assert Counter(results) == {"recovery": 1, None: AT_ONCE - 1}
    assert store.accounts.recovery_left(nurse.id) == len(nurse.recovery) - 1
    assert store.accounts.check_second_factor(nurse.id, code) is None


def test_different_recovery_codes_at_once_are_each_accepted(store, nurse):
    codes = iter(nurse.recovery[:AT_ONCE])
    lock = threading.Lock()

    def use_next() -> str | None:
        with lock:
            code = next(codes)
        return store.accounts.check_second_factor(nurse.id, code)

    assert all_at_once(use_next) == ["recovery"] * AT_ONCE
    assert store.accounts.recovery_left(nurse.id) == len(nurse.recovery) - AT_ONCE


def test_six_nurses_saving_a_call_at_once_get_versions_2_to_7(store, nurse, sent):
    sid, _ = sent(1)
    numbers = all_at_once(
        lambda: store.casework.save_version(sid, nurse.id, dict(COMPLETE_ANSWERS)), n=6)
    assert sorted(numbers) == [2, 3, 4, 5, 6, 7]
    assert [v.number for v in store.casework.versions(sid)] == [1, 2, 3, 4, 5, 6, 7]


def test_the_database_refuses_a_second_version_with_the_same_number(store, nurse, sent,
                                                                   database_url):
    sid, _ = sent(1)
    assert store.casework.save_version(sid, nurse.id, dict(COMPLETE_ANSWERS)) == 2
    engine = make_engine(database_url)
    try:
        with pytest.raises(Exception, match="(?i)unique"), engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO submission_versions (submission_id, number, staff_id, "
                "created_at, answers) SELECT submission_id, number, staff_id, created_at, "
                "answers FROM submission_versions WHERE submission_id = :sid"), {"sid": sid})
    finally:
        engine.dispose()


def test_sqlite_runs_in_wal_mode(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'wal.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    engine.dispose()
