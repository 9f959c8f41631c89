"""Benchmark: the staff worklist over 10,000 submissions, against a bare page in the same run.

Run: .venv/bin/python bench/staff_worklist.py [--submissions 10000] [--rounds 5]
                                              [--requests 20] [--keep DIR]
(--keep DIR keeps the database and its data key there; a second run with the same DIR
reuses them instead of filling again, to compare a change to the queries on the same rows.)

Fills a fresh SQLite database (migrated as ``screener db upgrade`` does) with real sealed
submissions through ``store.submissions.create`` (about 10% urgent, spread over the last
29 days of the 30 kept), then moves most of them on with ``casework.set_status`` (and a
few are withdrawn), so the worklist has the mix a busy clinic has. Then, through Flask's
test client with a nurse signed in (password and a TOTP code, CSRF on), times:

  worklist p1       GET /staff/              (to do: new and contacted; urgent first)
  worklist mid      GET /staff/?page=N       (the middle page of the to-do list)
  all p1            GET /staff/?status=all
  submission        GET /staff/submissions/<id>  (an urgent one, with a call saved)

beside two baselines in the same rounds: GET /healthz (no template, no database) and the
landing page GET / (a template, no database). Each round runs REQUESTS of each target then
REQUESTS of each baseline; the medians are over every request of every round. The ratio to
/healthz is the median of the per-round ratios (drift on a shared machine cancels out);
the ratio to the landing page is of the overall medians. Every staff GET also writes its
audit line, as in production. Finally it prints SQLite's EXPLAIN QUERY PLAN for the
worklist's queries. Figures are for reading, not a pass/fail target: exit code 0.
"""

from __future__ import annotations

import argparse
import random
import re
import secrets
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyotp
from sqlalchemy import event

from screener.app import create_app
from screener.catalogue.answers import validate_answers
from screener.catalogue.sampling import RandomChooser, answer_set
from screener.store.casework import OPEN
from screener.store.crypto import new_key
from screener.store.db import make_engine, upgrade
from screener.store.models import Role, Status
from screener.store.submissions import Contact, NewSubmission

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
PASSWORD = "correct horse battery staple"
# Where a clinic's submissions are after a month: most of the older ones are settled.
STATUSES = [(Status.NEW, 35), (Status.CONTACTED, 15), (Status.BOOKED, 15),
            (Status.NOT_NOW, 10), (Status.REFERRED_ELSEWHERE, 5), (Status.CLOSED, 18),
            (Status.WITHDRAWN, 2)]
NAMES = ["Ana Lopez", "Rosalind Quimbleworth", "Tobias Okafor", "Mei Lin", "Sven Berg",
         "Priya Natarajan", "Jonas Weber", "Fatima Haddad", "Liam O'Brien", "Aiko Tanaka"]


def fill(store, count: int, seed: int = 7) -> str:
    """``count`` submissions, statuses set by an admin; the id of an urgent one to do."""
    began = time.perf_counter()
    rng = random.Random(seed)
    admin, _ = store.accounts.add("filler@riverside.example", Role.ADMIN)
    answer_sets = [validate_answers(answer_set(RandomChooser(n))) for n in range(50)]
    start = datetime.now(UTC)
    urgent_one = None
    for n in range(count):
        moment = start - timedelta(days=29 * rng.random())
        urgent = rng.random() < 0.10
        new = NewSubmission(
            answers=answer_sets[n % len(answer_sets)], urgent=urgent,
            contact=Contact(rng.choice(NAMES), f"555 01{n % 100:02d} {n:04d}",
                            rng.choice(["morning", "afternoon", "evening", "any"])),
            note="Mornings are best" if n % 3 == 0 else "", language="en",
            ruleset_version="bench", consent_version="bench", guidance=("talk",))
        sid, _, _ = store.submissions.create(new, f"bench-{seed}-{n:08d}", 30, moment)
        status = rng.choices([s for s, _ in STATUSES], [w for _, w in STATUSES])[0]
        if status is Status.WITHDRAWN:
            store.submissions.withdraw(sid)
        elif status is not Status.NEW:
            store.casework.set_status(sid, admin.id, status)
        if urgent and urgent_one is None and status in OPEN:
            urgent_one = sid
        if (n + 1) % 1000 == 0:
            print(f"  {n + 1} submissions ({time.perf_counter() - began:.0f} s)", flush=True)
    assert urgent_one is not None
    # As a database in use is: the write-ahead log checkpointed, not 10,000 commits long.
    with store.engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return urgent_one


def signed_in_nurse(app, store):
    """A nurse set up and signed in through the real pages (CSRF and TOTP)."""
    staff, token = store.accounts.add(f"nurse-{secrets.token_hex(4)}@riverside.example",
                                      Role.NURSE)
    secret = pyotp.random_base32()
    totp = pyotp.TOTP(secret)
    step = totp.timecode(time.time())
    store.accounts.complete_setup(token, PASSWORD, secret, totp.generate_otp(step - 1))
    client = app.test_client()
    page = client.get("/staff/sign-in").get_data(as_text=True)
    first = client.post("/staff/sign-in", data={
        "csrf_token": CSRF.search(page).group(1), "email": staff.email,
        "password": PASSWORD})
    assert first.status_code == 302, first.status_code
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    second = client.post("/staff/sign-in/code", data={
        "csrf_token": CSRF.search(page).group(1), "code": totp.generate_otp(step)})
    assert second.status_code == 302 and second.headers["Location"].endswith("/staff/"), (
        second.status_code, second.headers.get("Location"))
    return staff, client


def timed(client, path: str, expect: str) -> Callable[[], float]:
    def call() -> float:
        start = time.perf_counter()
        response = client.get(path)
        elapsed = time.perf_counter() - start
        if response.status_code != 200 or expect not in response.get_data(as_text=True):
            raise SystemExit(f"{path}: HTTP {response.status_code}")
        return elapsed * 1000
    return call


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--submissions", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--keep", type=Path, help="a folder to keep the database in")
    args = parser.parse_args()

    folder = args.keep or Path(tempfile.mkdtemp(prefix="staff-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    url = f"sqlite:///{folder / 'screener.db'}"
    key_file = folder / "data-key"
    filled = key_file.exists() and (folder / "screener.db").exists()
    if not filled:
        key_file.write_text(new_key())
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    app = create_app({"SECRET_KEY": "bench-" + "z" * 40, "HANDOFF": True,
                      "DATABASE_URL": url, "DATA_KEYS": key_file.read_text(),
                      "SESSION_COOKIE_SECURE": False, "CLINIC_NAME": "Riverside Spine",
                      "CLINIC_PHONE": "555 0100", "STAFF_SESSION_IDLE_MINUTES": 600,
                      "STAFF_SESSION_MAX_MINUTES": 600})
    store = app.extensions["screener.store"]

    if filled:  # --keep from an earlier run: the same rows again
        print(f"reusing {url}", flush=True)
        urgent_sid = next(i.id for i in store.casework.worklist(OPEN, 0, 50)[0] if i.urgent)
    else:
        print(f"filling {url} with {args.submissions} submissions", flush=True)
        began = time.perf_counter()
        urgent_sid = fill(store, args.submissions)
        print(f"filled in {time.perf_counter() - began:.0f} s", flush=True)

    staff, client = signed_in_nurse(app, store)
    counts = store.casework.counts()
    to_do = sum(counts[s] for s in OPEN)
    middle = max(1, -(-to_do // 50) // 2)
    # The urgent submission as a nurse finds it after a call: a second version, a note.
    answers = store.casework.versions(urgent_sid)[-1].answers
    store.casework.save_version(urgent_sid, staff.id, answers | {"pain_score": 3})
    store.casework.add_note(urgent_sid, staff.id, "Called; bringing the MRI.")
    print(f"live: {sum(counts.values())}, to do: {to_do} ({middle * 2} pages), "
          + ", ".join(f"{s}: {n}" for s, n in counts.items()))

    anonymous = app.test_client()
    targets = [
        ("worklist p1", timed(client, "/staff/", "Urgent symptoms")),
        (f"worklist p{middle}", timed(client, f"/staff/?page={middle}", f"page {middle} of")),
        ("all p1", timed(client, "/staff/?status=all", "Urgent symptoms")),
        ("submission", timed(client, f"/staff/submissions/{urgent_sid}", "Showing version")),
    ]
    baselines = [("/healthz", timed(anonymous, "/healthz", "ok")),
                 ("landing /", timed(anonymous, "/", "<main"))]
    for _, call in targets + baselines:  # warm-up: templates compiled, caches filled
        for _ in range(3):
            call()

    samples: dict[str, list[float]] = {name: [] for name, _ in targets + baselines}
    ratios: dict[str, list[float]] = {name: [] for name, _ in targets}
    for _ in range(args.rounds):
        medians = {}
        for name, call in targets + baselines:
            times = [call() for _ in range(args.requests)]
            samples[name] += times
            medians[name] = statistics.median(times)
        for name, _ in targets:
            ratios[name].append(medians[name] / medians["/healthz"])

    print(f"\n{'GET':<16}{'median ms':>10}{'p90 ms':>9}{'x /healthz':>12}{'x landing':>11}")
    for name, _ in baselines + targets:
        times = sorted(samples[name])
        med = statistics.median(times)
        vs_health = (statistics.median(ratios[name]) if name in ratios
                     else med / statistics.median(samples["/healthz"]))
        print(f"{name:<16}{med:>10.2f}{times[int(len(times) * 0.9)]:>9.2f}"
              f"{vs_health:>12.1f}{med / statistics.median(samples['landing /']):>11.1f}")

    explain(store)
    store.dispose()
    return 0


def explain(store) -> None:
    """SQLite's plan for each query the worklist page makes, as SQLAlchemy sends them."""
    captured: list[tuple[str, object]] = []

    def capture(conn, cursor, statement, parameters, context, executemany) -> None:
        if "FROM submissions" in statement:
            captured.append((statement, parameters))

    event.listen(store.engine, "before_cursor_execute", capture)
    store.casework.worklist(OPEN, 0, 50)
    store.casework.worklist(None, 0, 50)
    store.casework.counts()
    event.remove(store.engine, "before_cursor_execute", capture)
    print("\nEXPLAIN QUERY PLAN")
    with store.engine.connect() as connection:
        for statement, parameters in captured:
            print("  " + " ".join(statement.split()).replace("submissions.", ""))
            for row in connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                                  parameters):
                print(f"    {row[3]}")


if __name__ == "__main__":
    sys.exit(main())
