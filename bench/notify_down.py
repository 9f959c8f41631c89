"""How long a patient's send takes while the clinic's mail server is down.

Run: .venv/bin/python bench/notify_down.py [--sends 5]

The handoff commits the submission and hands the email to a background retry, so a mail
server that refuses connections should cost the patient nothing; tests/test_notify.py
proves the send ends and the email arrives later, this prints how long the send took
(the figure the test once held under 2 s). SQLite in a temporary folder; loopback only.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from screener.app import create_app  # noqa: E402
from tests.conftest import COMPLETE_ANSWERS, HANDOFF_CONFIG, migrated_sqlite  # noqa: E402
from tests.servers import free_port  # noqa: E402
from tests.test_handoff import Patient  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sends", type=int, default=5)
    args = parser.parse_args()
    url = migrated_sqlite(Path(tempfile.mkdtemp(prefix="notify-down-")))
    app = create_app(HANDOFF_CONFIG | {
        "DATABASE_URL": url, "SMTP_URL": f"smtp://127.0.0.1:{free_port()}",
        "NOTIFY_EMAIL": "intake@clinic.example", "NOTIFY_RETRY_DELAYS": (0.5, 1.0, 1.5),
        "STAFF_URL": "https://clinic.example/staff/"})
    times = []
    try:
        for _ in range(args.sends):
            patient = Patient(app.test_client()).finish(COMPLETE_ANSWERS)
            started = time.monotonic()
            assert patient.send().location == "/sent"
            times.append(time.monotonic() - started)
    finally:
        app.extensions["screener.store"].dispose()
    print(f"{args.sends} sends with the mail server down: median "
          f"{statistics.median(times) * 1000:.0f} ms, slowest {max(times) * 1000:.0f} ms "
          "(was held under 2000 ms in a test)")


if __name__ == "__main__":
    main()
