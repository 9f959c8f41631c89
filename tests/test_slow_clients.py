"""Slow clients cannot stall the screener as the README deploys it (nginx in front)."""

from __future__ import annotations

import statistics
import time

import pytest

from .slowclients import Crowd
from .test_served import screen

pytestmark = pytest.mark.slow

HOLD_SECONDS = 30
PAGE_BUDGET_SECONDS = 1.0


def test_a_screening_completes_while_100_slow_clients_hold_on(behind_nginx, https, tls,
                                                            answers):
    base, _ = behind_nginx
    timings: list[tuple[str, float]] = []

    def timed(response, *args, **kwargs):
        timings.append((response.request.path_url, response.elapsed.total_seconds()))

    https.hooks["response"].append(timed)
    screenings, held = 0, []
    with Crowd(base, headers=50, bodies=50, context=tls.context()) as crowd:
        deadline = time.monotonic() + HOLD_SECONDS
        while time.monotonic() < deadline:
            held.append(crowd.open_now)
            https.cookies.clear()
            result = screen(https, base, answers)
            assert 'data-topic="discuss-miss-with-specialist"' in result.text
            screenings += 1
            time.sleep(1)
    slowest = max(timings, key=lambda t: t[1])
    print(f"{screenings} screenings, {len(timings)} pages, slowest {slowest[1]:.3f} s "
          f"({slowest[0]}), {crowd.reconnects} slow reconnects, held open {sorted(held)}")
    # nginx drops a slow header after 10 s and the crowd reconnects at once: most are open.
    assert statistics.median(held) >= 90 and min(held) >= 50, held
    assert screenings >= 10
    assert slowest[1] < PAGE_BUDGET_SECONDS, slowest
