"""Redis for the rate limits stopped or frozen: every route answers as it would with Redis
up (the limits then count in each worker's memory, said once in the log), never a 500,
and the patient's form is sent; ``/readyz`` names Redis and a database that refuses writes.

A real ``redis-server`` per test: terminated for "stopped", SIGSTOP for "frozen" (always
continued after). A frozen Redis accepts connections (the kernel does) but never answers,
so only the socket timeout ends each wait: completing without a 500 proves it is set.
"""

from __future__ import annotations

import logging
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from sqlalchemy import create_engine, text

from screener.web.ratelimit_storage import FallbackStorage

from .conftest import COMPLETE_ANSWERS, require
from .servers import Served, start_redis
from .staffkit import make_person
from .test_handoff import CONTACT, Patient

pytestmark = pytest.mark.slow

DOWN = "did not answer"
BACK = "answers again"
HANG = 120  # seconds: only a missing socket timeout comes near it


class Redis:
    """A redis-server of this test's own, to stop or freeze."""

    def __init__(self, served: Served) -> None:
        self.served = served
        self.url = served.base
        self.frozen = False

    def stop(self) -> None:
        self.served.stop()

    def freeze(self) -> None:
        self.served.process.send_signal(signal.SIGSTOP)
        self.frozen = True

    def thaw(self) -> None:
        if self.frozen:
            self.served.process.send_signal(signal.SIGCONT)
            self.frozen = False

    def outage(self, kind: str) -> None:
        {"running": lambda: None, "stopped": self.stop, "frozen": self.freeze}[kind]()


@pytest.fixture
def redis(tmp_path) -> Iterator[Redis]:
    require("redis-server", "redis-server")
    own = Redis(start_redis(tmp_path))
    try:
        yield own
    finally:
        own.thaw()
        own.stop()


@pytest.fixture
def limited_app(make_handoff_app, redis, kind):
    """The handoff with every limit on and counted in this test's Redis. With Redis
    running, the wait for its answer is long (5 s): on a busy machine one slow answer
    would otherwise read as an outage, which is the other cases' business."""
    wait = {"RATELIMIT_STORAGE_TIMEOUT": 5} if kind == "running" else {}
    return make_handoff_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis.url,
                            API_RATE_LIMIT="100 per minute", HANDOFF_RATE_LIMIT="50 per hour",
                            **wait)


def completed(work: Callable[[], Any]) -> Any:
    """``work()``'s result; a test that would hang on a Redis without socket timeouts fails
    instead (the deadline is a guard against hanging, far above any timeout: no timing)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result(timeout=HANG)


def down_lines(caplog, words: str) -> int:
    return sum(words in record.getMessage() for record in caplog.records
               if record.name == "screener")


def every_route(app) -> dict[str, tuple[int, str]]:
    """Send, withdraw, staff sign-in (both steps), the API and FHIR: status and where to."""
    nurse = make_person(app, "nurse@riverside.example")
    patient = Patient(app.test_client()).finish()
    sent = patient.send()
    code = patient.code() if sent.status_code == 302 else "0000-0000-0000"
    later = app.test_client()
    withdrawn = later.post("/withdraw", data={"code": code, "phone": CONTACT["phone"]})
    staff = app.test_client()
    password = staff.post("/staff/sign-in", data={"email": nurse.email,
                                                  "password": nurse.password})
    totp = staff.post("/staff/sign-in/code", data={"code": nurse.code()})
    api = app.test_client()
    answers = {
        "send": sent, "withdraw": withdrawn, "sign-in": password, "sign-in code": totp,
        "API questions": api.get("/api/v1/questions"),
        "API evaluate": api.post("/api/v1/evaluate", json=COMPLETE_ANSWERS),
        "FHIR Questionnaire": api.get("/fhir/Questionnaire"),
    }
    statuses = [row.status.value for row in app.extensions["screener.store"].submissions.live()]
    return {name: (r.status_code, r.headers.get("Location", "")) for name, r in answers.items()
            } | {"stored": statuses}


EXPECTED = {
    "send": (302, "/sent"), "withdraw": (302, "/withdrawn?checked=1"), "stored": ["withdrawn"],
    "sign-in": (302, "/staff/sign-in/code"), "sign-in code": (302, "/staff/"),
    "API questions": (200, ""), "API evaluate": (200, ""), "FHIR Questionnaire": (200, ""),
}


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("kind", ["running", "stopped", "frozen"])
def test_every_limited_route_answers_as_usual_whatever_redis_does(limited_app, redis, kind,
                                                                   caplog):
    caplog.set_level(logging.WARNING, "screener")
    warm = limited_app.test_client().get("/api/v1/questions")  # a pooled connection first
    assert warm.status_code == 200
    redis.outage(kind)
    assert completed(lambda: every_route(limited_app)) == EXPECTED
    assert down_lines(caplog, DOWN) == (0 if kind == "running" else 1)


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("kind", ["stopped", "frozen"])
def test_the_limits_still_hold_in_memory_while_redis_is_out(make_handoff_app, redis, kind):
    app = make_handoff_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis.url,
                           HANDOFF_RATE_LIMIT="3 per hour")
    redis.outage(kind)
    client = app.test_client()
    statuses = completed(lambda: [client.post("/withdraw", data={
        "code": "0000-0000-0000", "phone": "5550100"}).status_code for _ in range(5)])
    assert statuses == [302, 302, 302, 429, 429]


@pytest.mark.parametrize("backend", ["sqlite"])
def test_a_frozen_redis_is_said_once_and_its_return_too(make_handoff_app, redis, caplog):
    caplog.set_level(logging.WARNING, "screener")
    app = make_handoff_app(RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis.url,
                           RATELIMIT_RETRY_SECONDS=0)  # ask Redis again on every request
    client = app.test_client()
    storage = app.extensions["screener.ratelimit"].storage
    assert isinstance(storage, FallbackStorage)
    redis.freeze()
    assert completed(lambda: [client.get("/api/v1/questions").status_code
                              for _ in range(3)]) == [200] * 3
    assert storage.failing and down_lines(caplog, DOWN) == 1
    redis.thaw()
    assert [client.get("/api/v1/questions").status_code for _ in range(3)] == [200] * 3
    assert not storage.failing and down_lines(caplog, BACK) == 1 and down_lines(caplog, DOWN) == 1


@pytest.mark.parametrize("backend", ["sqlite"])
@pytest.mark.parametrize("kind", ["running", "stopped", "frozen"])
def test_readyz_names_redis_and_stays_up_since_the_limits_fall_back(limited_app, redis, kind):
    redis.outage(kind)
    ready = completed(lambda: limited_app.test_client().get("/readyz"))
    state = "ok" if kind == "running" else "unreachable"
    assert ready.status_code == 200 and ready.json["checks"]["redis"] == state
    assert ready.json["status"] == ("ready" if kind == "running" else "degraded")
    assert all(v == "ok" for name, v in ready.json["checks"].items() if name != "redis")


def read_only(backend: str, url: str) -> str:
    """The same database, now refusing writes: SQLite opened read-only (the tests run as
    root, whom a chmod does not stop), PostgreSQL with read-only transactions."""
    if backend == "sqlite":
        return url.replace("sqlite:///", "sqlite:///file:") + "?mode=ro&uri=true"
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as db:
        name = db.execute(text("SELECT current_database()")).scalar()
        db.execute(text(f'ALTER DATABASE "{name}" SET default_transaction_read_only = on'))
    engine.dispose()
    return url


def test_readyz_fails_on_a_database_that_refuses_writes(make_handoff_app, database_url,
                                                        backend):
    writable = make_handoff_app().test_client().get("/readyz")  # counts table made too
    assert writable.status_code == 200
    app = make_handoff_app(DATABASE_URL=read_only(backend, database_url))
    ready = app.test_client().get("/readyz")
    assert ready.status_code == 503 and ready.json["status"] == "unavailable"
    assert ready.json["checks"] == {"rules": "ok", "database": "ok", "database write": "failed",
                                    "handoff database": "ok",
                                    "handoff database write": "failed", "data keys": "ok"}


def test_a_failed_redis_is_asked_again_only_after_the_pause(redis, monkeypatch):
    """So a frozen Redis costs each worker one timeout per pause, not one per request."""
    from screener.web.ratelimit_storage import limit_storage

    now = [100.0]
    storage = limit_storage(redis.url, {"RATELIMIT_RETRY_SECONDS": 5})
    storage.clock = lambda: now[0]
    asked: list[str] = []
    real = storage.shared.incr
    monkeypatch.setattr(storage.shared, "incr", lambda *a: asked.append("incr") or real(*a))
    redis.stop()
    counts = [storage.incr("client", 60) for _ in range(10)]
    now[0] += 4.9
    counts.append(storage.incr("client", 60))
    assert len(asked) == 1
    now[0] += 0.1
    counts.append(storage.incr("client", 60))
    assert len(asked) == 2 and counts == list(range(1, 13))
