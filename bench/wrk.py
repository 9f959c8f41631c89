"""Benchmark over real HTTP: wrk against one gunicorn worker, the screener beside bare Flask.

Run: .venv/bin/python bench/wrk.py [--seconds 3] [--rounds 3] [--only "evaluate API"]
(needs `wrk`: apt-get install wrk)

Two gunicorn servers with one sync worker each and the same settings (the screener's
gunicorn_conf, access log to a file): the screener, and the bare Flask app of
bench/pages.py (a one-question Flask-WTF page and a JSON echo). wrk drives each target
and its baseline in alternating rounds; the ratio printed is the median of the per-round
ratios, so drift on a shared machine cancels out. Targets: the evaluate API at least 0.8
of the echo and the intake page at least 0.4 of the bare page (issue 14's); the landing
page at least 0.8 of it (ours). The step page is drawn for a patient part-way through
(their session cookie sent back, as a browser does) and printed without a target.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pages import complete_answers  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def serve(target: str, folder: Path, name: str) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = os.environ | {
        "SCREENER_SECRET_KEY": "bench-" + "z" * 40, "SCREENER_WORKERS": "1",
        "SCREENER_BIND": f"127.0.0.1:{port}", "SCREENER_API_RATE_LIMIT": "100000000 per minute",
        "SCREENER_ACCESS_LOG": str(folder / f"{name}-access.log"),
        "SCREENER_DATABASE_URL": f"sqlite:///{folder / 'usage.sqlite3'}",
        "PROMETHEUS_MULTIPROC_DIR": str(folder / f"{name}-metrics")}
    (folder / f"{name}-metrics").mkdir()
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "python:screener.gunicorn_conf",
         "--chdir", str(ROOT / "bench"), target], env=env, cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=open(folder / f"{name}.log", "wb"))
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while True:
        try:
            urllib.request.urlopen(base + "/healthz" if name == "screener" else base + "/page",
                                   timeout=1).close()
            return process, base
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise SystemExit((folder / f"{name}.log").read_text()) from None
            time.sleep(0.2)


def wrk(url: str, seconds: float, script: Path | None = None, cookie: str = "") -> float:
    command = ["wrk", "-t1", "-c4", f"-d{round(seconds)}s", url]
    if script:
        command[1:1] = ["-s", str(script)]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out:
        raise SystemExit(f"{url}: errors\n{out}")
    return float(re.search(r"Requests/sec:\s+([0-9.]+)", out).group(1))


def patient_cookie(base: str) -> str:
    """The session cookie of a patient who has answered the first page, as a browser
    would send it back: the step page is drawn for someone part-way through."""
    def cookie_of(response: Any) -> str:
        found = response.headers.get("Set-Cookie", "").split(";", 1)[0]
        if not found.startswith("screener="):
            raise SystemExit(f"no session cookie from {response.url}")
        return found

    first = urllib.request.urlopen(base + "/step/urgent", timeout=5)
    cookie = cookie_of(first)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      first.read().decode()).group(1)
    post = urllib.request.Request(
        base + "/step/urgent", method="POST", headers={"Cookie": cookie},
        data=urllib.parse.urlencode({"red_flags": "none", "csrf_token": token}).encode())
    opener = urllib.request.build_opener(NoRedirect)
    try:
        answered = opener.open(post, timeout=5)
    except urllib.error.HTTPError as redirect:
        answered = redirect
    return cookie_of(answered)


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", action="append", default=[], metavar="TARGET",
                        help="measure only this target (by name: landing, step page, "
                             "intake page, evaluate API); may be given more than once")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        post = folder / "post.lua"
        post.write_text('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                        f"wrk.body = {json.dumps(json.dumps(complete_answers()))}\n")
        servers = [serve("screener.wsgi:app", folder, "screener"),
                   serve("pages:bare_app()", folder, "bare")]
        try:
            (_, ours), (_, bare) = servers
            patient = patient_cookie(ours)
            targets = [
                ("landing", ours + "/", None, "", bare + "/page", None, 0.8),
                ("step page", ours + "/step/diagnosis", None, patient, bare + "/page", None, None),
                ("intake page", ours + "/intake", None, "", bare + "/page", None, 0.4),
                ("evaluate API", ours + "/api/v1/evaluate", post, "", bare + "/echo", post, 0.8),
            ]
            print(f"{'target':<14}{'req/s':>9}{'bare req/s':>12}{'ratio':>8}{'target':>8}"
                  f"{'rounds':>13}")
            missed = 0
            unknown = set(args.only) - {t[0] for t in targets}
            if unknown:
                raise SystemExit(f"no target named {', '.join(sorted(unknown))}")
            for name, url, script, cookie, base_url, base_script, goal in targets:
                if args.only and name not in args.only:
                    continue
                wrk(url, 1, script, cookie)  # warm-up
                wrk(base_url, 1, base_script)
                rounds = [(wrk(url, args.seconds, script, cookie),
                           wrk(base_url, args.seconds, base_script))
                          for _ in range(args.rounds)]
                ratios = [a / b for a, b in rounds]
                ratio = statistics.median(ratios)
                below = goal is not None and ratio < goal
                missed += below
                print(f"{name:<14}{statistics.median(r[0] for r in rounds):>9.0f}"
                      f"{statistics.median(r[1] for r in rounds):>12.0f}{ratio:>8.2f}"
                      f"{'-' if goal is None else goal:>8}"
                      f"{f'{min(ratios):.2f}-{max(ratios):.2f}':>13}"
                      f"{'  BELOW TARGET' if below else ''}")
        finally:
            for process, _ in servers:
                process.terminate()
                process.wait(timeout=10)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
