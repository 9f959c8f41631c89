"""Load test: simulated patients completing the whole flow over HTTP against gunicorn.

Run: .venv/bin/python bench/load.py [--patients 100] [--seconds 20] [--workers N]

Starts gunicorn on a free loopback port, then runs PATIENTS concurrent patients (threads,
each with its own cookie jar) that walk landing -> every question page -> review -> result again and
again until the time is up. Prints completed screenings per second, p50/p95/p99 latency
per page and the error count (must be 0). Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from collections import defaultdict

import requests

from screener.catalogue.answers import validate_answers, visible_pages
from screener.catalogue.sampling import RandomChooser, answer_set

TOKEN = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(port: int, workers: int) -> subprocess.Popen[bytes]:
    env = os.environ | {"SCREENER_SECRET_KEY": "load-" + "z" * 40, "SCREENER_WORKERS":
                        str(workers), "SCREENER_BIND": f"127.0.0.1:{port}",
                        "SCREENER_ACCESS_LOG": "/dev/null",
                        # Plain HTTP on loopback, measuring the app: a TLS proxy's job is apart.
                        "SCREENER_SESSION_COOKIE_SECURE": "false"}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config",
                                "python:screener.gunicorn_conf", "screener.wsgi:app"], env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).close()
            return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


class Stats:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.errors: list[str] = []
        self.completed = 0

    def record(self, page: str, seconds: float) -> None:
        with self.lock:
            self.latency[page].append(seconds)

    def error(self, message: str) -> None:
        with self.lock:
            self.errors.append(message)


def patient(base: str, seed: int, deadline: float, stats: Stats) -> None:
    chooser = RandomChooser(seed)
    while time.monotonic() < deadline:
        answers = validate_answers(answer_set(chooser))
        browser = requests.Session()

        def get(page: str, path: str, browser: requests.Session = browser) -> str | None:
            start = time.perf_counter()
            response = browser.get(base + path, timeout=30)
            stats.record(page, time.perf_counter() - start)
            if response.status_code != 200:
                stats.error(f"GET {path}: {response.status_code}")
                return None
            return response.text

        try:
            if get("landing", "/") is None:
                continue
            for screen in visible_pages(answers):
                page = get(f"page {screen.id} (GET)", f"/step/{screen.id}")
                if page is None:
                    break
                data = {k: ([str(x) for x in v] if isinstance(v, list) else str(v))
                        for k, v in answers.items() if k in screen.questions}
                data["csrf_token"] = TOKEN.search(page).group(1)
                start = time.perf_counter()
                response = browser.post(f"{base}/step/{screen.id}", data=data, timeout=30,
                                        allow_redirects=False)
                stats.record(f"page {screen.id} (POST)", time.perf_counter() - start)
                if response.status_code != 302:
                    stats.error(f"POST /step/{screen.id}: {response.status_code}")
                    break
            else:
                if len(visible_pages(answers)) > 1 and get("review", "/review") is None:
                    continue
                result = get("result", "/result")
                if result is not None and 'id="disclaimer"' in result:
                    with stats.lock:
                        stats.completed += 1
                elif result is not None:
                    stats.error("result without the disclaimer")
        except requests.RequestException as exc:
            stats.error(type(exc).__name__)


def percentile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--patients", type=int, default=100)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    args = parser.parse_args()
    port = free_port()
    server = start_gunicorn(port, args.workers)
    stats = Stats()
    try:
        deadline = time.monotonic() + args.seconds
        threads = [threading.Thread(target=patient, args=(f"http://127.0.0.1:{port}", n,
                                                          deadline, stats))
                   for n in range(args.patients)]
        started = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=args.seconds + 60)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{args.patients} patients, {args.workers} gunicorn workers, {elapsed:.1f} s")
    print(f"completed screenings: {stats.completed} ({stats.completed / elapsed:.1f} per second)")
    print(f"{'page':<28}{'count':>7}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}")
    for page, values in sorted(stats.latency.items()):
        print(f"{page:<28}{len(values):>7}{percentile(values, 50) * 1e3:>9.1f}"
              f"{percentile(values, 95) * 1e3:>9.1f}{percentile(values, 99) * 1e3:>9.1f}")
    print(f"errors: {len(stats.errors)}")
    for message in sorted(set(stats.errors))[:10]:
        print(f"  {message}")
    return 1 if stats.errors or not stats.completed else 0


if __name__ == "__main__":
    sys.exit(main())
