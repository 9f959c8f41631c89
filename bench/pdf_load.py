"""The landing page while six clients loop on the PDF: its median beside its idle median.

Run: .venv/bin/python bench/pdf_load.py [--seconds 20] [--clients 6] [--only shipped]
     [--storage redis://127.0.0.1:6379]

For each scenario, starts gunicorn on a free loopback port (the shipped gunicorn_conf,
SCREENER_PROXY_COUNT=1 so each client is its own address through X-Forwarded-For, as
behind nginx), lets each client finish a screening (its own answers), then measures the
landing page's median alone, then again while the clients ask for /result/summary.pdf as
fast as they get answers, for a bounded time. Prints both medians, their ratio, and the
PDF answers: served (200), refused by the per-client limit (429) or by the per-worker cap
(503), and anything else (must be 0). Scenarios: the shipped settings; the limit and cap
without the cache; the cap alone (limit lifted); nothing bounded (the issue's attack);
and, for comparison, the same loops on the print page (HTML, no PDF).
Traffic goes to 127.0.0.1 only; every loop ends at its deadline.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections import Counter
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load import TOKEN, free_port  # noqa: E402

from screener.catalogue.answers import validate_answers, visible_pages  # noqa: E402
from screener.catalogue.sampling import RandomChooser, answer_set  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
UNLIMITED = "1000000 per minute"
PDF = "/result/summary.pdf"
# name: (settings, the page the clients loop on)
SCENARIOS: dict[str, tuple[dict[str, str], str]] = {
    "shipped": ({}, PDF),
    "no cache": ({"PDF_CACHE_SIZE": "0"}, PDF),
    "cap only": ({"PDF_CACHE_SIZE": "0", "PDF_RATE_LIMIT": UNLIMITED}, PDF),
    "unbounded": ({"PDF_CACHE_SIZE": "0", "PDF_RATE_LIMIT": UNLIMITED,
                   "PDF_CONCURRENCY": "1000"}, PDF),
    # The same six loops on the print page (HTML, no PDF): what any tight loop costs.
    "print page": ({}, "/result/print"),
}


def start(folder: Path, workers: int | None,
          settings: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = os.environ | {"SCREENER_SECRET_KEY": "pdf-" + "z" * 40,
                        "SCREENER_BIND": f"127.0.0.1:{port}", "SCREENER_ACCESS_LOG": "/dev/null",
                        "SCREENER_SESSION_COOKIE_SECURE": "false", "SCREENER_PROXY_COUNT": "1",
                        "SCREENER_DATABASE_URL": f"sqlite:///{folder / 'usage.sqlite3'}",
                        "PROMETHEUS_MULTIPROC_DIR": str(folder / "metrics")}
    (folder / "metrics").mkdir()
    if workers:
        env["SCREENER_WORKERS"] = str(workers)
    env |= {f"SCREENER_{name}": value for name, value in settings.items()}
    process = subprocess.Popen([sys.executable, "-m", "gunicorn", "--config",
                                "python:screener.gunicorn_conf", "screener.wsgi:app"],
                               env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                               stderr=open(folder / "gunicorn.log", "wb"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz", timeout=1).close()
            return process, base
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit((folder / "gunicorn.log").read_text()) from None
            time.sleep(0.2)


def answers_for(client: int) -> dict:
    """A complete answer set that reaches the result, different for each client."""
    seed, found = 0, -1
    while True:
        answers = validate_answers(answer_set(RandomChooser(seed=seed)))
        seed += 1
        if "surgery_preference" in answers:
            found += 1
            if found == client:
                return answers


def finished(base: str, client: int) -> requests.Session:
    """A browser from its own address whose patient has finished the screener."""
    browser = requests.Session()
    browser.headers["X-Forwarded-For"] = f"198.51.100.{client + 1}"
    answers = answers_for(client)
    for screen in visible_pages(answers):
        page = browser.get(f"{base}/step/{screen.id}", timeout=30).text
        data = {k: ([str(x) for x in v] if isinstance(v, list) else str(v))
                for k, v in answers.items() if k in screen.questions}
        data["csrf_token"] = TOKEN.search(page).group(1)
        posted = browser.post(f"{base}/step/{screen.id}", data=data, timeout=30,
                              allow_redirects=False)
        if posted.status_code != 302:
            raise SystemExit(f"client {client}: step {screen.id} answered {posted.status_code}")
    if browser.get(f"{base}/result", timeout=30).status_code != 200:
        raise SystemExit(f"client {client}: no result page")
    return browser


def landing_times(base: str, deadline: float, at_most: int) -> list[float]:
    """Seconds per landing-page request, one after another, from a visitor's own address."""
    visitor = requests.Session()
    visitor.headers["X-Forwarded-For"] = "203.0.113.9"
    times: list[float] = []
    while time.monotonic() < deadline and len(times) < at_most:
        started = time.perf_counter()
        response = visitor.get(base + "/", timeout=30)
        times.append(time.perf_counter() - started)
        if response.status_code != 200:
            raise SystemExit(f"landing page answered {response.status_code}")
    return times


def loop_on(path: str, browser: requests.Session, base: str, deadline: float,
            answers: Counter[str], lock: threading.Lock) -> None:
    while time.monotonic() < deadline:
        try:
            response = browser.get(base + path, timeout=60)
            kind = str(response.status_code)
            if (path == PDF and response.status_code == 200
                    and not response.content.startswith(b"%PDF")):
                kind = "200 without a PDF"
        except requests.RequestException as exc:
            kind = type(exc).__name__
        with lock:
            answers[kind] += 1


def run(name: str, args: argparse.Namespace) -> tuple[float, float, Counter[str]]:
    with tempfile.TemporaryDirectory(prefix="pdf-load-") as folder:
        settings, path = SCENARIOS[name]
        server, base = start(Path(folder), args.workers, settings)
        try:
            browsers = [finished(base, n) for n in range(args.clients)]
            landing_times(base, time.monotonic() + 2, 50)  # warm every worker up
            idle = landing_times(base, time.monotonic() + args.seconds, args.idle_requests)
            answers: Counter[str] = Counter()
            lock = threading.Lock()
            deadline = time.monotonic() + args.seconds
            threads = [threading.Thread(target=loop_on,
                                        args=(path, b, base, deadline, answers, lock))
                       for b in browsers]
            for thread in threads:
                thread.start()
            loaded = landing_times(base, deadline, 10**9)
            for thread in threads:
                thread.join(timeout=90)
        finally:
            server.terminate()
            server.wait(timeout=15)
        if any(kind not in ("200", "429", "503") for kind in answers):
            print(f"{name}: gunicorn's log (the part that says why)")
            for line in (Path(folder) / "gunicorn.log").read_text().splitlines():
                if any(word in line for word in ("ERROR", "CRITICAL", "Error", "TIMEOUT")):
                    print("  " + line[:200])
    return statistics.median(idle), statistics.median(loaded), answers


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=20.0, help="the load phase")
    parser.add_argument("--clients", type=int, default=6)
    parser.add_argument("--idle-requests", type=int, default=300)
    parser.add_argument("--workers", type=int, default=None,
                        help="gunicorn workers (default: as gunicorn_conf, 2 x cores + 1)")
    parser.add_argument("--only", choices=sorted(SCENARIOS), action="append")
    parser.add_argument("--storage", default="",
                        help="RATELIMIT_STORAGE_URI, e.g. redis://127.0.0.1:6379 (default: "
                             "memory://, where each worker counts the limit alone)")
    args = parser.parse_args()
    if args.storage:
        for settings, _ in SCENARIOS.values():
            settings["RATELIMIT_STORAGE_URI"] = args.storage
    print(f"{args.clients} clients looping on the PDF for {args.seconds:.0f} s; "
          f"limits in {args.storage or 'memory://'}; {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.1f}")
    print(f"{'scenario':<11}{'idle p50 ms':>12}{'loaded p50 ms':>14}{'ratio':>8}"
          f"{'200':>6}{'429':>6}{'503':>6}{'other':>7}")
    failed = False
    for name in args.only or list(SCENARIOS):
        idle, loaded, answers = run(name, args)
        other = sum(n for kind, n in answers.items() if kind not in ("200", "429", "503"))
        failed |= other > 0
        print(f"{name:<11}{idle * 1e3:>12.1f}{loaded * 1e3:>14.1f}{loaded / idle:>8.1f}"
              f"{answers['200']:>6}{answers['429']:>6}{answers['503']:>6}{other:>7}")
        for kind, count in sorted(answers.items()):
            if kind not in ("200", "429", "503"):
                print(f"  {kind}: {count}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
