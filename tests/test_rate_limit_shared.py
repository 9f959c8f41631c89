"""The API rate limit holds per client across workers and servers, with Redis."""

from __future__ import annotations

import pytest
import requests

from screener.app import create_app

from .servers import start_gunicorn

pytestmark = pytest.mark.slow

# One slow Redis answer (a busy machine) must not make a server count alone for a while:
# these tests are about sharing the count, not about Redis going away.
PATIENT_WITH_REDIS = {"RATELIMIT_STORAGE_TIMEOUT": 5}


def test_two_servers_share_one_limit(redis_url):
    settings = {"TESTING": True, "API_RATE_LIMIT": "10 per minute",
                "RATELIMIT_STORAGE_URI": redis_url + "/1", **PATIENT_WITH_REDIS}
    first, second = (create_app(settings).test_client() for _ in range(2))
    first.application.extensions["screener.ratelimit"].storage.reset()
    statuses = [first.get("/api/v1/questions").status_code for _ in range(6)]
    statuses += [second.get("/api/v1/questions").status_code for _ in range(6)]
    assert statuses == [200] * 10 + [429] * 2


def test_gunicorn_workers_count_one_client_together(tmp_path, tls, redis_url):
    served = start_gunicorn(tmp_path, tls, WORKERS="3", API_RATE_LIMIT="20 per minute",
                            RATELIMIT_STORAGE_URI=redis_url + "/2",
                            **{k: str(v) for k, v in PATIENT_WITH_REDIS.items()})
    try:
        statuses = []
        for _ in range(30):  # a new connection each time, so the workers take turns
            statuses.append(requests.get(served.base + "/api/v1/questions", timeout=5,
                                         verify=str(tls.ca)).status_code)
        assert statuses.count(200) == 20 and statuses.count(429) == 10
        assert "counts alone" not in served.log.read_text()
    finally:
        served.stop()
