"""Slow clients cannot stall the screener as the README deploys it (nginx in front).

Whether the pages stay fast is a figure, not a test (a loaded machine is slow for its own
reasons): ``bench/slow_clients.py --clients 50 --bodies 50`` prints the slowest page."""

from __future__ import annotations

import statistics
import time

import pytest

from .slowclients import Crowd
from .test_served import screen

pytestmark = pytest.mark.slow

HOLD_SECONDS = 30


def test_a_screening_completes_while_100_slow_clients_hold_on(behind_nginx, https, tls,
                                                            answers):
    base, _ = behind_nginx
    answered: list[tuple[str, int]] = []

    def seen(response, *args, **kwargs):
        answered.append((response.request.path_url, response.status_code))

    https.hooks["response"].append(seen)
    screenings, held = 0, []
    with Crowd(base, headers=50, bodies=50, context=tls.context()) as crowd:
        deadline = time.monotonic() + HOLD_SECONDS
        # At least 30 s (nginx drops a slow header after 10 s) and at least 10 screenings,
        # however slow the machine: how fast they go is the benchmark's business.
        while time.monotonic() < deadline or screenings < 10:
            held.append(crowd.open_now)
            https.cookies.clear()
            result = screen(https, base, answers)
            assert 'data-topic="discuss-miss-with-specialist"' in result.text
            screenings += 1
            time.sleep(1)
    print(f"{screenings} screenings, {len(answered)} pages, {crowd.reconnects} slow "
          f"reconnects, held open {sorted(held)}")
    # nginx drops a slow header after 10 s and the crowd reconnects at once: most are open.
    assert statistics.median(held) >= 90 and min(held) >= 50, held
    # Every ordinary request was answered, none refused or timed out behind the crowd.
    assert [(path, status) for path, status in answered if status >= 400] == []
