"""Rate-limit storage: ``limits``' own, except that ``memory://`` starts no threads and a
shared store (Redis) that fails never fails a request.

``limits``' MemoryStorage sweeps expired keys from a ``threading.Timer`` of 10 ms that it
starts again on every hit once the last one has ended: under steady traffic, a new
thread every few requests. Each key already expires when it is read, so here the sweep
of other keys (memory hygiene only) runs inline, at most once a second.

``incr`` (the fixed window's one call per request) is the library's, done in one pass:
the same counters, expiry times and per-key locks, so every other method (window
statistics, ``clear``, ``reset``) reads them as the library writes them.

Redis that is down, or up but frozen, must not cost the patient their form: its socket
waits are short, redis-py's own retries (ten, with back-off: seconds per request) are
off, and while it fails each worker counts in its own memory, trying Redis again after a
pause, so a frozen Redis costs each worker one timeout per pause, not one per request.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlsplit

from limits import parse
from limits.storage import MemoryStorage, Storage, storage_from_string

from ..settings import DEFAULTS

SWEEP_SECONDS = 1.0
# Socket waits for Redis (connect and each answer), and the pause before a worker that
# fell back to memory tries Redis again: RATELIMIT_STORAGE_TIMEOUT, RATELIMIT_RETRY_SECONDS.
STORAGE_TIMEOUT = DEFAULTS["RATELIMIT_STORAGE_TIMEOUT"]
RETRY_SECONDS = DEFAULTS["RATELIMIT_RETRY_SECONDS"]
_REDIS_SCHEMES = ("redis://", "rediss://", "redis+unix://", "valkey://", "valkeys://",
                  "valkey+unix://")
log = logging.getLogger("screener")
T = TypeVar("T")


class ThreadlessMemoryStorage(MemoryStorage):
    """MemoryStorage whose expiry sweep runs in the request, once a second at most."""

    def __init__(self, uri: str | None = None, **options: object) -> None:
        super().__init__(uri, **options)  # type: ignore[arg-type]
        self.timer.cancel()
        self._swept = time.monotonic()
        self._sweeping = threading.Lock()

    def _MemoryStorage__schedule_expiry(self) -> None:  # replaces the timer (name-mangled)
        now = time.monotonic()
        if now - self._swept >= SWEEP_SECONDS and self._sweeping.acquire(blocking=False):
            try:
                self._swept = now
                self._MemoryStorage__expire_events()  # type: ignore[attr-defined]
            finally:
                self._sweeping.release()

    def incr(self, key: str, expiry: float, amount: int = 1) -> int:
        """``MemoryStorage.incr``: a key past its expiry starts again from ``amount``."""
        now = time.time()
        if self.expirations.get(key, 0) <= now:
            self.storage.pop(key, None)
            self.expirations.pop(key, None)
            self.locks.pop(key, None)
        self._MemoryStorage__schedule_expiry()
        with self.locks[key]:
            count = self.storage[key] + amount
            self.storage[key] = count
            if count == amount:
                self.expirations[key] = now + expiry
        return count


class FallbackStorage(Storage):
    """A shared storage that, while it fails, gives way to this process's memory.

    The first failure is logged (once, until the shared storage answers again, which is
    logged too); for ``retry_seconds`` after any failure the shared storage is not asked.
    Counts made in memory stay there: limits are per worker while the outage lasts.
    """

    STORAGE_SCHEME = None

    def __init__(self, shared: Storage, label: str, retry_seconds: float = RETRY_SECONDS,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.shared, self.label, self.retry_seconds, self.clock = (
            shared, label, retry_seconds, clock)
        self.memory = ThreadlessMemoryStorage()
        self.failures: tuple[type[BaseException], ...] = (*_as_tuple(shared.base_exceptions),
                                                          OSError)
        self.failing = False
        self._retry_at = 0.0
        self._lock = threading.Lock()

    @property
    def base_exceptions(self) -> tuple[type[Exception], ...]:
        return ()  # none escapes: see _either

    def _either(self, call: Callable[[Storage], T]) -> T:
        if self.failing and self.clock() < self._retry_at:
            return call(self.memory)
        try:
            result = call(self.shared)
        except self.failures as exc:
            self._failed(exc)
            return call(self.memory)
        if self.failing:
            self._answered()
        return result

    def _failed(self, exc: BaseException) -> None:
        with self._lock:
            self._retry_at = self.clock() + self.retry_seconds
            first, self.failing = not self.failing, True
        if first:
            log.warning("Rate limits: %s did not answer (%s); this worker counts alone, in "
                        "its own memory, until it does (tried again every %g s).",
                        self.label, type(exc).__name__, self.retry_seconds)

    def _answered(self) -> None:
        with self._lock:
            was, self.failing = self.failing, False
        if was:
            log.warning("Rate limits: %s answers again; the limits are shared again.",
                        self.label)

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        return self._either(lambda store: store.incr(key, expiry, amount))

    def get(self, key: str) -> int:
        return self._either(lambda store: store.get(key))

    def get_expiry(self, key: str) -> float:
        return self._either(lambda store: store.get_expiry(key))

    def clear(self, key: str) -> None:
        self.memory.clear(key)
        self._either(lambda store: store.clear(key))

    def reset(self) -> int | None:
        self.memory.reset()
        return self._either(lambda store: store.reset())

    def check(self) -> bool:
        return self.shared.check()

    def ping(self) -> None:
        """Raises unless the shared storage answers now (for ``/readyz``)."""
        if not self.shared.check():
            raise ConnectionError(f"{self.label} did not answer")


def _as_tuple(kinds: Any) -> tuple[type[BaseException], ...]:
    return tuple(kinds) if isinstance(kinds, tuple) else (kinds,)


def limit_storage(uri: str, settings: Mapping[str, Any] | None = None) -> Storage:
    """The storage for ``RATELIMIT_STORAGE_URI``: threadless memory, or a shared one that
    falls back to memory; Redis with short socket waits and no retries of its own."""
    if uri.startswith("memory://"):
        return ThreadlessMemoryStorage(uri)
    settings = settings or {}
    options: dict[str, Any] = {}
    parts = urlsplit(uri)
    where = f" at {parts.hostname}:{parts.port or 6379}" if parts.hostname else ""
    label = parts.scheme + where
    if uri.startswith(_REDIS_SCHEMES):
        from redis.backoff import NoBackoff
        from redis.exceptions import ConnectionError as RedisConnectionError
        from redis.retry import Retry

        wait = settings.get("RATELIMIT_STORAGE_TIMEOUT", STORAGE_TIMEOUT)
        # One quick retry on a broken connection (Redis restarted: the pooled socket is
        # dead), none on a timeout: a frozen Redis costs one wait, not eleven.
        options = {"socket_timeout": wait, "socket_connect_timeout": wait,
                   "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,))}
        label = "Redis" + where
    return FallbackStorage(storage_from_string(uri, **options), label,
                           settings.get("RATELIMIT_RETRY_SECONDS", RETRY_SECONDS))


# The limits the app applies, in words: every other ``*_RATE_LIMIT`` setting is warned
# about too, under its own name.
LIMITS = {
    "API_RATE_LIMIT": "API and FHIR requests per client address",
    "STAFF_SIGN_IN_RATE_LIMIT": "staff sign-in posts per client address",
    "STAFF_SIGN_IN_FAILURES": "failed staff sign-ins per account",
    "HANDOFF_RATE_LIMIT": "handoff sends per patient, and withdrawals per client address",
    "HANDOFF_ADDRESS_RATE_LIMIT": "handoff sends, and saves for later, per client address",
    "SAVE_RETURN_RATE_LIMIT": "return codes tried, and return-link emails, per client address",
    "PDF_RATE_LIMIT": "PDF downloads per client address",
}


def per_worker_warnings(config: Mapping[str, Any], workers: int) -> list[str]:
    """One line per limit that ``workers`` processes with ``memory://`` each count alone,
    with the figure a client can really reach; none with a shared storage or one worker."""
    if workers <= 1 or not config["RATELIMIT_STORAGE_URI"].startswith("memory://"):
        return []
    names = [*LIMITS, *sorted(name for name in config
                              if name.endswith("_RATE_LIMIT") and name not in LIMITS)]
    lines = []
    for name in names:
        text = config[name]
        if not text:
            continue
        limit = parse(text)
        window = (f"{limit.multiples} {limit.GRANULARITY.name}s" if limit.multiples != 1
                  else limit.GRANULARITY.name)
        lines.append(
            f"Rate limit {name} ({LIMITS.get(name, name)}): RATELIMIT_STORAGE_URI is "
            f"memory://, so each of the {workers} workers counts alone and the limit of "
            f"{limit.amount} per {window} is really up to {limit.amount * workers} per "
            f"{window}. Set SCREENER_RATELIMIT_STORAGE_URI=redis://HOST:6379 to count "
            "across workers and servers.")
    return lines
