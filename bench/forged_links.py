"""Issue 26's link and client attacks, counted: tried / held for each.

Run: .venv/bin/python bench/forged_links.py [--sends 20]

In-process (Flask's test client, a SQLite file, an SMTP server on loopback), no timing:
- intake emails from screenings sent with a forged Host: how many name only the configured
  SCREENER_BASE_URL;
- ``/restart?back=`` values that lead elsewhere: how many fall back to the site;
- withdraw posts from 100 addresses of one IPv6 /64 under the default HANDOFF_RATE_LIMIT:
  how many the limit refuses (one host holds a whole /64).
The nginx side (an unknown Host or TLS name refused) is in tests/test_host_header.py.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from aiosmtpd.controller import Controller  # noqa: E402

from screener.app import create_app  # noqa: E402
from screener.store.db import make_engine, upgrade  # noqa: E402
from tests.conftest import HANDOFF_CONFIG, Inbox  # noqa: E402
from tests.servers import free_port  # noqa: E402
from tests.test_flow_shape import OFF_SITE  # noqa: E402
from tests.test_handoff import URGENT, Patient  # noqa: E402

BASE = "https://screener.riverside.example"


def handoff_app(**settings):
    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/screener.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return create_app(HANDOFF_CONFIG | {"DATABASE_URL": url} | settings)


def forged_emails(sends: int) -> tuple[int, int]:
    port, inbox = free_port(), Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app = handoff_app(SMTP_URL=f"smtp://127.0.0.1:{port}",
                          NOTIFY_EMAIL="intake@clinic.example", BASE_URL=BASE)
        for n in range(sends):
            host = f"evil{n}.example"
            client = app.test_client()
            client.open = _with_host(client.open, host)  # type: ignore[method-assign]
            Patient(client).finish(URGENT).send()
        deadline = time.monotonic() + 30
        while len(inbox.messages) < sends and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        controller.stop()
    held = sum(1 for m in inbox.messages if f"{BASE}/staff/" in m.as_string()
               and not re.search(r"evil\d+\.example", m.as_string()))
    return len(inbox.messages), held


def _with_host(open_, host: str):
    def opened(*args, **kwargs):
        kwargs["headers"] = {**dict(kwargs.get("headers") or {}), "Host": host}
        return open_(*args, **kwargs)
    return opened


def off_site_backs() -> tuple[int, int]:
    client = create_app({"TESTING": True, "SECRET_KEY": "x" * 40}).test_client()
    held = sum('href="/">No, keep my answers' in client.get("/restart?back=" + back)
               .get_data(as_text=True) for back in OFF_SITE)
    return len(OFF_SITE), held


def one_slash_64(addresses: int = 100) -> tuple[int, int]:
    client = handoff_app(RATELIMIT_ENABLED=True).test_client()
    codes = [client.post("/withdraw", data={}, environ_base={
        "REMOTE_ADDR": f"2001:db8:aa:bb::{i + 1:x}"}).status_code for i in range(addresses)]
    return addresses, codes.count(429)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=20)
    args = parser.parse_args()
    tried, held = forged_emails(args.sends)
    print(f"intake emails after a forged Host: {tried} sent, {held} link only to {BASE}")
    tried, held = off_site_backs()
    print(f"/restart?back= leading elsewhere: tried {tried}, held {held}")
    tried, refused = one_slash_64()
    print(f"withdraw posts from {tried} addresses of one IPv6 /64 (HANDOFF_RATE_LIMIT "
          f"{HANDOFF_CONFIG.get('HANDOFF_RATE_LIMIT', '20 per hour')}): {tried - refused} "
          f"answered, {refused} refused")


if __name__ == "__main__":
    main()
