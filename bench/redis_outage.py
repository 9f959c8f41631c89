"""Redis for the rate limits running, stopped and frozen, under real gunicorn workers.

Run: .venv/bin/python bench/redis_outage.py [--patients 12] [--workers 2] [--threads 6]

For each state: a fresh redis-server and a gunicorn server (WORKERS sync workers, the
handoff on over a SQLite file, every limit in that Redis). PATIENTS patients finish the
screener while Redis is up; then Redis is left running, terminated, or frozen (SIGSTOP,
continued at the end), and THREADS at a time each patient sends their answers, reads their
reference code, withdraws by code, tries a staff sign-in (a wrong password: 401 is the
real answer), and calls the API (questions, evaluate), FHIR (Questionnaire) and the
landing page. Prints, per state: requests, how many answered 500 (or any 5xx), forms
sent (302 to /sent with a code shown), the median and worst time of a request, and the
same for the landing page alone ("/").
Exit code 1 on any 5xx or lost form.
"""

from __future__ import annotations

import argparse
import signal
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]

from handoff import CODE, CSRF, SEND_TOKEN, answers_for, start_servers  # noqa: E402

from screener.catalogue.answers import visible_pages  # noqa: E402
from screener.store.crypto import new_key  # noqa: E402
from screener.store.db import make_engine, upgrade  # noqa: E402
from tests.servers import start_redis  # noqa: E402


def finish(base: str, seed: int) -> tuple[requests.Session, dict[str, str]]:
    """A patient through the screener, holding their filled-in send form."""
    browser = requests.Session()
    answers = answers_for(seed)
    for screen in visible_pages(answers):
        page = browser.get(f"{base}/step/{screen.id}", timeout=60).text
        data = {k: ([str(x) for x in v] if isinstance(v, list) else str(v))
                for k, v in answers.items() if k in screen.questions}
        data["csrf_token"] = CSRF.search(page).group(1)
        browser.post(f"{base}/step/{screen.id}", data=data, timeout=60, allow_redirects=False)
    page = browser.get(base + "/send", timeout=60).text
    return browser, {"csrf_token": CSRF.search(page).group(1),
                     "send_token": SEND_TOKEN.search(page).group(1), "name": f"Bench {seed}",
                     "phone": f"555 {seed:07d}", "best_time": "any", "consent": "y"}


def visit(base: str, browser: requests.Session, form: dict[str, str],
          ) -> tuple[list[tuple[str, int, float]], bool]:
    """Every limited route once for this patient: (route, status, seconds); form sent?"""
    seen: list[tuple[str, int, float]] = []

    def timed(route: str, method: str, path: str, **options: object) -> requests.Response:
        start = time.perf_counter()
        response = browser.request(method, base + path, timeout=120, allow_redirects=False,
                                   **options)  # type: ignore[arg-type]
        seen.append((route, response.status_code, time.perf_counter() - start))
        return response

    sent = timed("send", "POST", "/send", data=form)
    found = CODE.search(browser.get(base + "/sent", timeout=120).text)
    kept = sent.status_code == 302 and sent.headers["Location"] == "/sent" and bool(found)
    token = CSRF.search(browser.get(base + "/withdraw", timeout=120).text).group(1)
    timed("withdraw", "POST", "/withdraw", data={
        "csrf_token": token, "code": found.group(1) if found else "0000-0000-0000",
        "phone": form["phone"]})
    page = browser.get(base + "/staff/sign-in", timeout=120).text
    timed("staff sign-in", "POST", "/staff/sign-in", data={
        "csrf_token": CSRF.search(page).group(1), "email": "nobody@clinic.example",
        "password": "not the password"})
    timed("API questions", "GET", "/api/v1/questions")
    timed("API evaluate", "POST", "/api/v1/evaluate", json=answers_for(1))
    timed("FHIR Questionnaire", "GET", "/fhir/Questionnaire")
    timed("landing page", "GET", "/")
    return seen, kept


def run(state: str, args: argparse.Namespace, folder: Path) -> bool:
    redis = start_redis(folder)
    url = f"sqlite:///{folder / 'screener.db'}"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    bases, processes = start_servers(1, args.workers, {
        "SCREENER_HANDOFF": "true", "SCREENER_DATABASE_URL": url,
        "SCREENER_DATA_KEYS": new_key(), "SCREENER_SECRET_KEY": "bench-" + "r" * 40,
        "SCREENER_CLINIC_PHONE": "555", "SCREENER_SESSION_COOKIE_SECURE": "false",
        "SCREENER_RATELIMIT_STORAGE_URI": redis.base,
        "SCREENER_HANDOFF_RATE_LIMIT": "100000 per hour",
        "SCREENER_STAFF_SIGN_IN_RATE_LIMIT": "100000 per hour",
        "SCREENER_STAFF_SIGN_IN_FAILURES": "100000 per hour"})
    base = bases[0]
    frozen = False
    try:
        patients = [finish(base, 5000 + n) for n in range(args.patients)]
        if state == "stopped":
            redis.stop()
        elif state == "frozen":
            redis.process.send_signal(signal.SIGSTOP)
            frozen = True
        started = time.perf_counter()
        with ThreadPoolExecutor(args.threads) as pool:
            done = list(pool.map(lambda p: visit(base, *p), patients))
        wall = time.perf_counter() - started
    finally:
        if frozen:
            redis.process.send_signal(signal.SIGCONT)
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        redis.stop()
    seen = [entry for entries, _ in done for entry in entries]
    seconds = [s for _, _, s in seen]
    errors = sum(status >= 500 for _, status, _ in seen)
    kept = sum(k for _, k in done)
    routes = len({route for route, _, _ in seen})
    landing = [s for route, _, s in seen if route == "landing page"]
    print(f"{state:<9}{routes:>7}{len(seen):>10}{errors:>7}{kept:>6}/{len(done):<4}"
          f"{statistics.median(seconds) * 1e3:>9.1f}{max(seconds) * 1e3:>9.1f}"
          f"{statistics.median(landing) * 1e3:>10.1f}{max(landing) * 1e3:>10.1f}{wall:>8.1f}")
    return errors == 0 and kept == len(done)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--patients", type=int, default=12)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=6)
    parser.add_argument("--states", default="running,stopped,frozen")
    args = parser.parse_args()
    print(f"{'redis':<9}{'routes':>7}{'requests':>10}{'5xx':>7}{'forms kept':>11}"
          f"{'p50 ms':>9}{'max ms':>9}{'/ p50 ms':>10}{'/ max ms':>10}{'wall s':>8}")
    ok = True
    for state in args.states.split(","):
        with tempfile.TemporaryDirectory() as folder:
            ok &= run(state, args, Path(folder))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
