"""Benchmark: what sealing and chaining the audit log costs, and how long a verify takes.

Run: .venv/bin/python bench/audit_chain.py [--lines 2000] [--writers 8] [--verify 20000]

On a fresh SQLite file and on a throwaway PostgreSQL (store/localpg.py), each migrated as
``screener db upgrade`` does, it times ``audit.record`` (a sealed, serialised append, its
own transaction as every staff page writes it) from one writer, then from WRITERS threads
at once, and says whether the chain stayed whole (every number once, ``verify`` intact).
Then it fills the log to VERIFY lines and times ``AuditLog.verify`` over all of them.
Figures are for reading, not a pass/fail target: exit code 0 (1 if a chain broke).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

from screener.store.crypto import new_key
from screener.store.db import make_engine, upgrade
from screener.store.localpg import LocalPostgres, server_bin
from screener.store.service import Store

SECRET = "bench-" + "s" * 40


def appends(store: Store, writers: int, each: int) -> float:
    """Seconds for ``writers`` threads to record ``each`` lines apiece."""
    start = threading.Barrier(writers + 1)

    def write(n: int) -> None:
        start.wait()
        for i in range(each):
            store.audit.record("view", staff_id=f"w{n}", detail=f"{n}.{i}")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began


def measure(label: str, url: str, lines: int, writers: int, verify_lines: int) -> bool:
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    store = Store(url, new_key(), SECRET)
    alone = appends(store, 1, lines)
    together = appends(store, writers, lines // writers)
    written = lines + writers * (lines // writers)
    verdict = store.audit.verify()
    whole = verdict.intact and verdict.sealed == written
    print(f"{label:10}  1 writer: {lines / alone:7.0f} lines/s ({alone / lines * 1000:.2f} ms "
          f"each)   {writers} writers: {writers * (lines // writers) / together:7.0f} "
          f"lines/s   chain {'whole' if whole else 'BROKEN'} ({verdict.sealed} lines)")
    fill = max(0, verify_lines - written)
    appends(store, 4, fill // 4)
    began = time.perf_counter()
    verdict = store.audit.verify()
    took = time.perf_counter() - began
    print(f"{'':10}  verify {verdict.sealed} lines: {took:.2f} s "
          f"({verdict.sealed / took:.0f} lines/s), intact: {verdict.intact}")
    store.dispose()
    return whole and verdict.intact


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=2000)
    parser.add_argument("--writers", type=int, default=8)
    parser.add_argument("--verify", type=int, default=20000)
    args = parser.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as folder:
        ok &= measure("SQLite", f"sqlite:///{Path(folder) / 'audit.db'}", args.lines,
                      args.writers, args.verify)
    if server_bin() is None:
        print("PostgreSQL: server binaries not found, skipped")
    else:
        server = LocalPostgres().start()
        try:
            ok &= measure("PostgreSQL", server.create_database("audit_bench"), args.lines,
                          args.writers, args.verify)
        finally:
            server.stop()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
