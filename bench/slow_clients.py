"""Slow clients against gunicorn alone and behind nginx (deploy/nginx.conf), side by side.

Run: .venv/bin/python bench/slow_clients.py [--clients 20] [--bodies 0] [--seconds 15]
(``--clients 50 --bodies 50`` is the crowd of tests/test_slow_clients.py, whose slowest
page behind nginx was once held under 1.0 s in that test; the "max ms" column is it.)

For each set-up, CLIENTS slow-header connections (tests/slowclients.py) hold on for SECONDS
while one ordinary visitor asks for the landing page once a second (5 s timeout). Prints
how many of the visitor's requests were answered and how fast, for both set-ups: gunicorn's
sync workers are held by the slow clients; nginx holds them instead. Loopback only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.servers import make_tls, start_gunicorn, start_nginx  # noqa: E402
from tests.slowclients import Crowd  # noqa: E402


def visitor(base: str, ca: str, clients: int, seconds: float, context,
            bodies: int = 0) -> tuple[int, int, list]:
    answered, asked, times = 0, 0, []
    with Crowd(base, headers=clients, bodies=bodies, context=context):
        time.sleep(1)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            asked += 1
            started = time.monotonic()
            try:
                requests.get(base + "/", timeout=5, verify=ca).raise_for_status()
                answered += 1
                times.append(time.monotonic() - started)
            except requests.RequestException:
                pass
            time.sleep(1)
    return answered, asked, times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--bodies", type=int, default=0, help="slow-body clients as well")
    parser.add_argument("--seconds", type=float, default=15)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="slow-clients-"))
    tls = make_tls(folder)
    direct = start_gunicorn(folder, tls, WORKERS="2")
    upstream = start_gunicorn(folder, None, WORKERS="2", PROXY_COUNT="1")
    proxy = start_nginx(folder, upstream.base.removeprefix("http://"), tls)
    try:
        print(f"{args.clients} slow-header and {args.bodies} slow-body clients for "
              f"{args.seconds:.0f} s, 2 sync workers")
        print(f"{'set-up':<16}{'answered':>10}{'p50 ms':>10}{'max ms':>10}")
        for name, base in (("gunicorn alone", direct.base), ("behind nginx", proxy.base)):
            answered, asked, times = visitor(base, str(tls.ca), args.clients, args.seconds,
                                             tls.context(), args.bodies)
            p50 = f"{statistics.median(times) * 1000:.0f}" if times else "-"
            worst = f"{max(times) * 1000:.0f}" if times else "-"
            print(f"{name:<16}{f'{answered}/{asked}':>10}{p50:>10}{worst:>10}")
    finally:
        for server in (proxy, upstream, direct):
            server.stop()


if __name__ == "__main__":
    main()
