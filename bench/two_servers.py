"""Two app servers behind one nginx upstream, one killed (SIGKILL) in the middle of the sends.

Run: .venv/bin/python bench/two_servers.py [--sends 200] [--threads 10] [--runs 3]
                                           [--without-retry]

Starts a throwaway PostgreSQL and Redis, two gunicorns (2 workers each, own folders and
control sockets) and nginx from deploy/nginx.conf with both in its upstream (the test
helpers in tests/servers.py and tests/twoservers.py). Each run, SENDS patients (THREADS at
a time) answer every page through nginx and send their answers; once half have sent, the
server that took the nurse's sign-in is killed, master and workers at once; it is started
again before the next run. Prints per run: sends, lost (no code seen, or the code not
stored), duplicated (rows beyond one a patient), nginx's bare error pages seen, the calm
"try again" page seen, answers cut short (a page the killed server was writing: at most
one a worker, tests/twoservers.py says why), other failures, and the time from the kill
to the next send that went through, and how many requests nginx saw fail on a server
(and so sent to the other, or not: without retry). ``--without-retry``: deploy/nginx.conf without
``non_idempotent``, to show what a patient sees then. Exit code 1 on any loss, duplicate
or bare page (with retry).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT)]

from screener.store.crypto import new_key  # noqa: E402
from screener.store.db import make_engine, upgrade  # noqa: E402
from screener.store.localpg import LocalPostgres  # noqa: E402
from screener.store.service import Store  # noqa: E402
from tests import servers  # noqa: E402
from tests.conftest import COMPLETE_ANSWERS  # noqa: E402
from tests.staffkit import make_person_in  # noqa: E402
from tests.twoservers import Browser, sends_with_a_kill, start_site  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=200)
    parser.add_argument("--threads", type=int, default=10)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--without-retry", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="two-servers-"))
    if args.without_retry:
        site_conf = folder / "nginx-without-retry.conf"
        site_conf.write_text(re.sub(r" non_idempotent;", ";", servers.NGINX_SITE.read_text()))
        servers.NGINX_SITE = site_conf
    postgres = LocalPostgres().start()
    redis = servers.start_redis(folder)
    tls = servers.make_tls(folder)
    keys = new_key()
    url = postgres.create_database("two_servers")
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    bad = False
    print(f"{'run':>3} {'sends':>6} {'lost':>5} {'dup':>4} {'bare':>5} {'calm':>5} "
          f"{'cut':>4} {'other':>6} {'carry on s':>11} {'upstream errors':>16}  "
          "step posts per server")
    try:
        for number in range(args.runs):
            run_folder = folder / f"run-{number}"
            run_folder.mkdir()
            # Every patient here comes from 127.0.0.1: no per-address ceiling in the way.
            site = start_site(run_folder, tls, url, redis.base + "/0", keys,
                              HANDOFF_ADDRESS_RATE_LIMIT="1000000 per hour")
            try:
                store = Store(url, keys, servers.SECRET)
                nurse = make_person_in(store, f"nurse{number}@riverside.example")
                store.dispose()
                staff = Browser(site, tls)
                staff.post_form("/staff/sign-in", {"email": nurse.email,
                                                   "password": nurse.password})
                staff.post_form("/staff/sign-in/code", {"code": nurse.code()})
                victim = site.which_served("POST", "/staff/sign-in/code")
                run = sends_with_a_kill(site, tls, COMPLETE_ANSWERS, args.sends, victim,
                                        args.threads, first=number * args.sends)
                worklist = staff.open("GET", "/staff/")
                staff_ok = worklist is not None and worklist.status_code == 200
            finally:
                site.stop()
            carry = f"{run.carry_on:.2f}" if run.carry_on is not None else "-"
            print(f"{number + 1:>3} {run.sends:>6} {run.lost:>5} {run.duplicated:>4} "
                  f"{run.bare:>5} {run.calm:>5} {len(run.cut):>4} {len(run.failed):>6} {carry:>11} "
                  f"{run.upstream_errors:>16}  "
                  f"{run.steps_served}{'' if staff_ok else '  (staff worklist failed)'}")
            for failure in sorted(set(run.cut + run.failed))[:5]:
                print("     ", failure)
            bad |= bool(run.lost or run.duplicated or run.bare or not staff_ok)
    finally:
        redis.stop()
        postgres.stop()
    return 1 if bad and not args.without_retry else 0


if __name__ == "__main__":
    sys.exit(main())
