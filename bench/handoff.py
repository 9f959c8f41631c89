"""Clinic handoff under load: patients sending their answers at once to two app servers
that share one database, for SQLite and for PostgreSQL.

Run: .venv/bin/python bench/handoff.py [--patients 100] [--rounds 3] [--servers 2]
                                        [--workers 2] [--backends sqlite,postgresql]

For each backend: a fresh database (SQLite file; a throwaway PostgreSQL on loopback,
started here and stopped after), SERVERS gunicorn servers on loopback sharing it. Each
round, PATIENTS simulated patients (threads, one cookie jar each) finish a screening on one
server, open the send form on the other, wait for each other, then all send at once and
send the same form a second time (a double click). Prints sends per second and p50/p95/p99
of the send (and its ratio to opening the form, a page that writes nothing, measured the
same way in the same run), then checks the database: every patient's reference code has
exactly one row (0 lost, 0 duplicated). Exit code 1 on any loss, duplicate or error.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import requests

from screener.catalogue.answers import validate_answers, visible_pages
from screener.catalogue.questions import QUESTIONS
from screener.catalogue.sampling import RandomChooser, answer_set
from screener.store.crypto import new_key
from screener.store.db import make_engine, upgrade
from screener.store.localpg import LocalPostgres, _free_port
from screener.store.reference import digest

CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
SEND_TOKEN = re.compile(r'name="send_token" type="hidden" value="([^"]+)"')
CODE = re.compile(r"data-reference>([^<]+)<")
EMERGENCY = {c.value for c in QUESTIONS["red_flags"].choices if c.level == "emergency"}


def start_servers(count: int, workers: int, env: dict[str, str]) -> tuple[list[str], list]:
    bases, processes = [], []
    for _ in range(count):
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--config", "python:screener.gunicorn_conf",
             "--log-level", "warning", "screener.wsgi:app"], env=os.environ | env | {
                "SCREENER_BIND": f"127.0.0.1:{port}", "SCREENER_WORKERS": str(workers),
                "SCREENER_ACCESS_LOG": "/dev/null"})
        processes.append(process)
        bases.append(f"http://127.0.0.1:{port}")
    for base, process in zip(bases, processes, strict=True):
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=1).close()
                break
            except OSError:
                if process.poll() is not None:
                    raise SystemExit("gunicorn did not start") from None
                time.sleep(0.1)
    return bases, processes


def answers_for(seed: int) -> dict:
    chooser = RandomChooser(seed)
    while True:
        answers = validate_answers(answer_set(chooser))
        if not EMERGENCY & set(answers["red_flags"]):
            return answers


class Patient(threading.Thread):
    def __init__(self, seed: int, walk_on: str, send_to: str, barrier: threading.Barrier):
        super().__init__()
        self.seed, self.walk_on, self.send_to, self.barrier = seed, walk_on, send_to, barrier
        self.browser = requests.Session()
        self.code: str | None = None
        self.seconds: list[float] = []
        self.baseline: list[float] = []
        self.errors: list[str] = []

    def run(self) -> None:
        try:
            form = self.prepare()
        except (requests.RequestException, AttributeError) as exc:
            self.errors.append(f"prepare: {type(exc).__name__}")
            form = None
        self.barrier.wait()  # baseline: everyone opens the send form at once (no write)
        if form is not None:
            start = time.perf_counter()
            self.browser.get(self.send_to + "/send", timeout=60)
            self.baseline.append(time.perf_counter() - start)
        self.barrier.wait()  # then everyone presses Send at once
        if form is None:
            return
        for base in (self.send_to, self.walk_on):  # the same form twice, to both servers
            start = time.perf_counter()
            try:
                response = self.browser.post(base + "/send", data=form, timeout=60,
                                             allow_redirects=False)
            except requests.RequestException as exc:
                self.errors.append(f"send: {type(exc).__name__}")
                continue
            self.seconds.append(time.perf_counter() - start)
            if response.status_code != 302:
                self.errors.append(f"send: HTTP {response.status_code}")
        page = self.browser.get(self.send_to + "/sent", timeout=60).text
        found = CODE.search(page)
        self.code = found.group(1).replace("-", "") if found else None

    def prepare(self) -> dict[str, str]:
        answers = answers_for(self.seed)
        for screen in visible_pages(answers):
            page = self.browser.get(f"{self.walk_on}/step/{screen.id}", timeout=60).text
            data = {k: ([str(x) for x in v] if isinstance(v, list) else str(v))
                    for k, v in answers.items() if k in screen.questions}
            data["csrf_token"] = CSRF.search(page).group(1)
            response = self.browser.post(f"{self.walk_on}/step/{screen.id}", data=data,
                                         timeout=60, allow_redirects=False)
            if response.status_code != 302:
                raise requests.RequestException(f"page {screen.id}: {response.status_code}")
        page = self.browser.get(self.send_to + "/send", timeout=60).text
        return {"csrf_token": CSRF.search(page).group(1),
                "send_token": SEND_TOKEN.search(page).group(1), "name": f"Bench {self.seed}",
                "phone": f"555 {self.seed:07d}", "best_time": "any", "consent": "y"}


def percentile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def run_backend(name: str, url: str, args: argparse.Namespace) -> bool:
    engine = make_engine(url)
    upgrade(engine)
    env = {"SCREENER_HANDOFF": "true", "SCREENER_DATABASE_URL": url,
           "SCREENER_DATA_KEYS": new_key(), "SCREENER_SECRET_KEY": "bench-" + "h" * 40,
           "SCREENER_HANDOFF_RATE_LIMIT": "1000000 per hour", "SCREENER_CLINIC_PHONE": "555",
           # Plain HTTP on loopback, measuring the app: a TLS proxy's job is apart.
           "SCREENER_SESSION_COOKIE_SECURE": "false"}
    bases, processes = start_servers(args.servers, args.workers, env)
    seconds: list[float] = []
    baseline: list[float] = []
    codes: list[str | None] = []
    errors: list[str] = []
    sending = 0.0
    warm = 4 * args.servers * args.workers  # first requests in each worker: not counted
    try:
        for round_number in range(-1, args.rounds):
            size = warm if round_number < 0 else args.patients
            barrier = threading.Barrier(size + 1)
            patients = [Patient(10**6 + n if round_number < 0 else round_number * size + n,
                                bases[n % len(bases)], bases[(n + 1) % len(bases)], barrier)
                        for n in range(size)]
            for patient in patients:
                patient.start()
            barrier.wait()
            barrier.wait()
            started = time.perf_counter()
            for patient in patients:
                patient.join()
            if round_number < 0:
                warmed = [patient.code for patient in patients]
                continue
            sending += time.perf_counter() - started
            for patient in patients:
                seconds += patient.seconds
                baseline += patient.baseline
                codes.append(patient.code)
                errors += patient.errors
    finally:
        for process in processes:
            process.terminate()
        for process in processes:
            process.wait(timeout=20)
    from sqlalchemy import text

    with engine.connect() as connection:
        stored = {row[0]: row[1] for row in connection.execute(text(
            "SELECT reference_digest, count(*) FROM submissions GROUP BY reference_digest"))}
        rows = connection.execute(text("SELECT count(*) FROM submissions")).scalar_one()
    engine.dispose()
    expected = args.patients * args.rounds
    lost = sum(1 for code in codes if code is None or digest(code) not in stored)
    for code in warmed:  # the warm-up's rows are checked too, then set aside
        lost += code is None or stored.pop(digest(code), 0) != 1
    rows -= len(warmed)
    duplicated = rows - len(stored) + sum(n - 1 for n in stored.values()) + max(
        0, len(stored) - expected)
    print(f"{name:<11}{expected:>9}{expected / sending:>10.1f}"
          f"{percentile(seconds, 50) * 1e3:>9.1f}{percentile(seconds, 95) * 1e3:>9.1f}"
          f"{percentile(seconds, 99) * 1e3:>9.1f}"
          f"{percentile(seconds, 50) / percentile(baseline, 50):>8.2f}"
          f"{lost:>6}{duplicated:>6}{len(errors):>8}")
    for message in sorted(set(errors))[:5]:
        print(f"  {message}")
    return not (lost or duplicated or errors)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--servers", type=int, default=2)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server")
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"{args.patients} patients at once x {args.rounds} rounds, each sending twice; "
          f"{args.servers} gunicorn servers x {args.workers} workers, one database")
    print(f"{'backend':<11}{'patients':>9}{'sends/s':>10}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'p99 ms':>9}{'x form':>8}{'lost':>6}{'dup':>6}{'errors':>8}")
    ok = True
    for backend in args.backends.split(","):
        if backend == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                ok &= run_backend("SQLite", f"sqlite:///{Path(folder) / 'bench.db'}", args)
        else:
            server = LocalPostgres().start()
            try:
                ok &= run_backend("PostgreSQL", server.create_database("bench"), args)
            finally:
                server.stop()
    print("sends/s: patients' sends per second of wall time from the moment all press Send; "
          "latency over every send, the repeated ones included; x form: send p50 over the "
          "p50 of the same patients all opening the send form at once (same run, no write)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
