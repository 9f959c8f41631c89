"""A code is accepted once, and an answer version gets a number of its own, even when the
same request arrives many times at once: on SQLite (which ignores ``FOR UPDATE``) and on
PostgreSQL alike. Threads wait at a barrier, then all go together."""

from __future__ import annotations

import json
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


def test_the_upgrade_keeps_unused_recovery_codes_and_the_downgrade_gives_them_back(
        empty_database_url):
    from alembic import command

    from screener.staff.factors import recovery_digest
    from screener.store.db import alembic_config

    engine = make_engine(empty_database_url)
    config = alembic_config(engine)
    command.upgrade(config, "0002")
    digests = [recovery_digest(code) for code in ("AAAAA11111", "BBBBB22222")]
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO staff_accounts (id, email, role, totp_last_step, recovery_digests, "
            "session_version, failed_attempts, created_at) VALUES ('a1', 'n@x.example', "
            "'nurse', 0, :codes, 1, 0, '2026-12-01 00:00:00')"), {"codes": json.dumps(digests)})
    command.upgrade(config, "head")
    with engine.begin() as connection:
        kept = connection.execute(text(
            "SELECT digest FROM staff_recovery_codes WHERE account_id = 'a1' "
            "AND used_at IS NULL")).scalars().all()
        assert sorted(kept) == sorted(digests)
        connection.execute(text("UPDATE staff_recovery_codes SET used_at = "
                                "CURRENT_TIMESTAMP WHERE digest = :d"), {"d": digests[0]})
    command.downgrade(config, "0002")
    with engine.connect() as connection:
        back = connection.execute(text(
            "SELECT recovery_digests FROM staff_accounts WHERE id = 'a1'")).scalar_one()
    engine.dispose()
    assert json.loads(back) == [digests[1]]


def test_the_upgrade_refuses_versions_numbered_twice_and_names_them(empty_database_url):
    from alembic import command

    from screener.store.db import alembic_config

    engine = make_engine(empty_database_url)
    config = alembic_config(engine)
    command.upgrade(config, "0002")
    with engine.begin() as connection:
        connection.execute(text(
            "INSERT INTO staff_accounts (id, email, role, totp_last_step, recovery_digests, "
            "session_version, failed_attempts, created_at) VALUES ('a1', 'n@x.example', "
            "'nurse', 0, '[]', 1, 0, '2026-12-01 00:00:00')"))
        connection.execute(text(
            "INSERT INTO submissions (id, reference_digest, send_digest, status, urgent, "
            "language, ruleset_version, consent_version, created_at, expires_at) VALUES "
            "('s1', 'r', 's', 'new', false, 'en', 'v', 'c', '2026-12-01 00:00:00', "
            "'2026-12-31 00:00:00')"))
        for _ in range(2):
            connection.execute(text(
                "INSERT INTO submission_versions (submission_id, number, staff_id, "
                "created_at, answers) VALUES ('s1', 2, 'a1', '2026-12-01 00:00:00', 'x')"))
    with pytest.raises(RuntimeError, match="s1 version 2"):
        command.upgrade(config, "head")
    engine.dispose()
