"""Benchmark: a wrong-code storm against "Continue a saved screening", as a client sees it.

Run: .venv/bin/python bench/save_return_storm.py [--tries 200] [--limit "60 per hour"]

Posts ``--tries`` random codes to ``/continue`` through the app (in process, a fresh SQLite
file, the limiter in memory), each from a new address inside one IPv6 /64 (a host can pick
any of them), then from another /64 and from an IPv4 address. Prints how many were
answered (303, the calm "could not open") and how many were held (429). Counts for reading,
not pass/fail: tests/test_save_return_pages.py holds the limit exactly.
"""

from __future__ import annotations

import argparse
import collections
import secrets
import tempfile
from pathlib import Path

from screener.app import create_app
from screener.store.crypto import new_key
from screener.store.db import make_engine, upgrade
from screener.store.savecode import ALPHABET


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tries", type=int, default=200)
    parser.add_argument("--limit", default="60 per hour")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'screener.db'}"
        engine = make_engine(url)
        upgrade(engine)
        engine.dispose()
        app = create_app({"TESTING": True, "WTF_CSRF_ENABLED": False,
                          "SECRET_KEY": secrets.token_hex(32), "SAVE_RETURN": True,
                          "DATA_KEYS": new_key(), "DATABASE_URL": url, "USAGE_COUNTS": False,
                          "SAVE_RETURN_RATE_LIMIT": args.limit})
        client = app.test_client()

        def storm(addresses: list[str]) -> collections.Counter[int]:
            seen: collections.Counter[int] = collections.Counter()
            for address in addresses:
                client.environ_base["REMOTE_ADDR"] = address
                code = "".join(secrets.choice(ALPHABET) for _ in range(12))
                seen[client.post("/continue", data={"code": code}).status_code] += 1
            return seen

        one_net = storm([f"2001:db8:7:7:{secrets.randbits(16):x}::{n:x}"
                         for n in range(args.tries)])
        print(f"limit {args.limit!r} on codes tried per client")
        print(f"one IPv6 /64, {args.tries} wrong codes from {args.tries} addresses in it: "
              f"answered {one_net[303]}, held {one_net[429]}")
        print(f"then another /64: answered {storm(['2001:db8:7:8::1'])[303]} of 1")
        print(f"then an IPv4 address: answered {storm(['198.51.100.7'])[303]} of 1")
        app.extensions["screener.store"].dispose()


if __name__ == "__main__":
    main()
