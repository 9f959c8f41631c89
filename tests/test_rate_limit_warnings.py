"""With ``memory://`` each gunicorn worker counts alone: start-up says so for every limit
the app applies, with the figure a client can really reach; a shared Redis, or a single
worker, says nothing."""

from __future__ import annotations

import importlib
import logging
from types import SimpleNamespace

import pytest

from screener.app import create_app
from screener.web.ratelimit_storage import LIMITS

SETTINGS = {"TESTING": True, "API_RATE_LIMIT": "30 per minute",
            "STAFF_SIGN_IN_FAILURES": "5 per 15 minutes",
            "STAFF_SIGN_IN_RATE_LIMIT": "30 per 15 minutes",
            "HANDOFF_RATE_LIMIT": "20 per hour", "PDF_RATE_LIMIT": "6 per minute"}


@pytest.fixture
def gunicorn_conf(monkeypatch, tmp_path):
    """The settings module gunicorn loads; its metrics folder kept inside this test."""
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", str(tmp_path))
    return importlib.import_module("screener.gunicorn_conf")


def start(gunicorn_conf, caplog, workers: int, **settings: str) -> list[str]:
    """gunicorn's ``on_starting`` as the arbiter calls it, with the preloaded app."""
    app = create_app(SETTINGS | settings)
    log = logging.getLogger("test.gunicorn")
    server = SimpleNamespace(app=SimpleNamespace(wsgi=lambda: app), num_workers=workers, log=log)
    with caplog.at_level(logging.WARNING, "test.gunicorn"):
        gunicorn_conf.on_starting(server)
    return [r.getMessage() for r in caplog.records if r.name == "test.gunicorn"]


def test_three_workers_in_memory_name_every_limit_and_its_real_figure(gunicorn_conf, caplog):
    lines = start(gunicorn_conf, caplog, 3)
    named = {name: [line for line in lines if f"Rate limit {name} " in line]
             for name in [*LIMITS, "PDF_RATE_LIMIT"]}
    assert all(len(found) == 1 for found in named.values()), named
    assert len(lines) == len(named)
    # The figures: 15 password guesses per account, 90 posts per address.
    assert "is really up to 15 per 15 minutes" in named["STAFF_SIGN_IN_FAILURES"][0]
    assert "is really up to 90 per 15 minutes" in named["STAFF_SIGN_IN_RATE_LIMIT"][0]
    assert "is really up to 90 per minute" in named["API_RATE_LIMIT"][0]
    assert "is really up to 60 per hour" in named["HANDOFF_RATE_LIMIT"][0]
    assert "is really up to 18 per minute" in named["PDF_RATE_LIMIT"][0]
    assert all("each of the 3 workers counts alone" in line and "redis://" in line
               for line in lines)


@pytest.mark.parametrize(("workers", "storage"), [(1, "memory://"),
                                                  (5, "redis://127.0.0.1:1")])
def test_one_worker_or_a_shared_storage_says_nothing(gunicorn_conf, caplog, workers, storage):
    assert start(gunicorn_conf, caplog, workers, RATELIMIT_STORAGE_URI=storage) == []
