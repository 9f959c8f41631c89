"""Rate-limit storage: ``limits``' own, except that ``memory://`` starts no threads.

``limits``' MemoryStorage sweeps expired keys from a ``threading.Timer`` of 10 ms that it
starts again on every hit once the last one has ended: under steady traffic, a new
thread every few requests. Each key already expires when it is read, so here the sweep
of other keys (memory hygiene only) runs inline, at most once a second.

``incr`` (the fixed window's one call per request) is the library's, done in one pass:
the same counters, expiry times and per-key locks, so every other method (window
statistics, ``clear``, ``reset``) reads them as the library writes them.
"""

from __future__ import annotations

import threading
import time

from limits.storage import MemoryStorage, Storage, storage_from_string

SWEEP_SECONDS = 1.0


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


def limit_storage(uri: str) -> Storage:
    if uri.startswith("memory://"):
        return ThreadlessMemoryStorage(uri)
    return storage_from_string(uri)
