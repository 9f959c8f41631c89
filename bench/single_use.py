"""Attacks on "once" and on sign-in, repeated: figures of what was tried and what held.

Run: .venv/bin/python bench/single_use.py [--rounds 20] [--sqlite-only]

On a fresh migrated SQLite file and on a throwaway PostgreSQL (screener.store.localpg,
Debian's server binaries), each round:

  totp       one TOTP code sent 8 times at once (threads behind a barrier): how many passed
  recovery   one recovery code sent 8 times at once: how many passed
  versions   6 nurses saving a call at once: the version numbers given (2..7 is right)
  lockout    60 wrong passwords for a nurse from one address, then the nurse's right
             password and code from another (Flask's test client): let in or not, and how
             many of the 60 left an audit line naming the account

Figures are for reading (issue 26, failures 5 and 6), not a pass/fail target: exit code 0.
"""

from __future__ import annotations

import argparse
import secrets
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyotp

from screener.app import create_app
from screener.store.crypto import new_key
from screener.store.db import make_engine, upgrade
from screener.store.localpg import LocalPostgres, server_bin
from screener.store.models import Role
from screener.store.service import Store
from screener.store.submissions import Contact, NewSubmission

PASSWORD = "correct horse battery staple"
SECRET = "bench-" + "s" * 40


def at_once(action: Callable[[], Any], n: int) -> list[Any]:
    barrier, results = threading.Barrier(n), []

    def run() -> None:
        barrier.wait()
        results.append(action())

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def person(store: Store, email: str) -> tuple[str, str, list[str]]:
    """(id, TOTP secret, recovery codes) of a set-up nurse; the current step is unused."""
    staff, token = store.accounts.add(email, Role.NURSE)
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(time.time()) - 1
    codes = store.accounts.complete_setup(token, PASSWORD, secret, totp.generate_otp(step))
    return staff.id, secret, codes


def code_rounds(store: Store, rounds: int) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {"totp": [], "recovery": [], "versions": []}
    for n in range(rounds):
        staff_id, secret, codes = person(store, f"n{n}-{secrets.token_hex(3)}@x.example")
        totp = pyotp.TOTP(secret)
        code = totp.generate_otp(totp.timecode(time.time()))
        found["totp"].append(Counter(at_once(
            lambda c=code, s=staff_id: store.accounts.check_second_factor(s, c), 8))["totp"])
        found["recovery"].append(Counter(at_once(
            lambda c=codes[0], s=staff_id: store.accounts.check_second_factor(s, c),
            8))["recovery"])
        sid, _, _ = store.submissions.create(NewSubmission(
            answers={"red_flags": ["none"]}, urgent=False,
            contact=Contact("Ana Lopez", "555 0101", "morning"), note="", language="en",
            ruleset_version="bench", consent_version="bench", guidance=()),
            secrets.token_hex(16), 30)
        found["versions"].append(sorted(at_once(
            lambda s=sid, a=staff_id: store.casework.save_version(s, a, {"pain_score": 5}),
            6)))
    return found


def lockout_rounds(url: str, keys: str, rounds: int) -> list[tuple[bool, int, int]]:
    """(owner let in, refused attacker tries, audit lines naming the account) per round."""
    app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False, "SECRET_KEY": SECRET,
                      "HANDOFF": True, "DATABASE_URL": url, "DATA_KEYS": keys,
                      "CLINIC_NAME": "Bench Spine", "CLINIC_PHONE": "555 0100"})
    store = app.extensions["screener.store"]
    results = []
    for n in range(rounds):
        staff_id, secret, _ = person(store, f"owner{n}-{secrets.token_hex(3)}@x.example")
        email = store.accounts.get(staff_id).email
        attacker = app.test_client()
        attacker.environ_base["REMOTE_ADDR"] = f"203.0.113.{n % 250 + 1}"
        refused = sum(attacker.post("/staff/sign-in", data={
            "email": email, "password": f"guess {i}"}).status_code in (401, 429)
            for i in range(60))
        owner = app.test_client()
        owner.environ_base["REMOTE_ADDR"] = f"198.51.100.{n % 250 + 1}"
        first = owner.post("/staff/sign-in", data={"email": email, "password": PASSWORD})
        totp = pyotp.TOTP(secret)
        second = owner.post("/staff/sign-in/code", data={
            "code": totp.generate_otp(totp.timecode(time.time()))})
        let_in = first.status_code == 302 and second.status_code == 302 and (
            second.headers["Location"].endswith("/staff/"))
        lines, _ = store.audit.page(limit=10_000, action="failed-sign-in")
        results.append((let_in, refused, sum(line.staff_id == staff_id for line in lines)))
    store.dispose()
    return results


def report(name: str, found: dict[str, list[Any]], lockout: list[tuple[bool, int, int]],
           rounds: int) -> None:
    print(f"\n{name}, {rounds} rounds")
    for kind in ("totp", "recovery"):
        counts = found[kind]
        print(f"  8 simultaneous uses of one {kind} code: accepted exactly once in "
              f"{counts.count(1)} of {rounds} rounds; accepted per round: "
              f"{sorted(Counter(counts).items())} (times accepted, rounds)")
    right = sum(v == [2, 3, 4, 5, 6, 7] for v in found["versions"])
    print(f"  6 simultaneous saves: versions 2..7 exactly in {right} of {rounds} rounds"
          + ("" if right == rounds else f"; others: {found['versions']}"))
    print(f"  60 wrong passwords from one address, then the owner from another: owner let in "
          f"{sum(r[0] for r in lockout)} of {len(lockout)}; attacker refused "
          f"{sum(r[1] for r in lockout)} of {60 * len(lockout)}; audit lines naming the "
          f"account {sum(r[2] for r in lockout)} of {60 * len(lockout)}")


def run(name: str, url: str, keys: str, rounds: int) -> None:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store(url, keys, SECRET)
    try:
        found = code_rounds(store, rounds)
    finally:
        store.dispose()
    report(name, found, lockout_rounds(url, keys, max(1, rounds // 4)), rounds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--sqlite-only", action="store_true")
    args = parser.parse_args()
    keys = new_key()
    with tempfile.TemporaryDirectory() as folder:
        run("sqlite", f"sqlite:///{Path(folder) / 'screener.db'}", keys, args.rounds)
    if args.sqlite_only or server_bin() is None:
        print("\npostgresql: skipped" + ("" if args.sqlite_only else " (no server binaries)"))
        return
    server = LocalPostgres().start()
    try:
        run("postgresql", server.create_database("bench_single_use"), keys, args.rounds)
    finally:
        server.stop()


if __name__ == "__main__":
    main()
