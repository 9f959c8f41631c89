"""The patient's PDF, bounded: a few downloads a minute per client, a cap on how many
render at once on the server, and a small in-memory cache of finished PDFs.

A PDF costs about a second and a quarter of CPU (WeasyPrint); without bounds six clients
looping on it took the landing page's median from 2 ms to 661 ms. The limit
(``PDF_RATE_LIMIT``, per client, through ``limit_client``) stops one person asking for
dozens. The cap (``PDF_CONCURRENCY``) keeps a burst from many clients from taking every
worker and core: past it, people are told to try again in a moment (503 with
Retry-After) instead of queueing. A cap per worker would do nothing with gunicorn's sync
workers (each serves one request at a time anyway), so the slots are shared by the
workers: each slot is a lock file, taken with a non-blocking ``flock``, which the kernel
frees if a worker dies mid-render (gunicorn's timeout), so a slot is never lost. The
folder of lock files is made when the app is created, so the workers forked from it
(``preload_app``, as shipped) share it; without preloading, each worker has its own.

The cache (``PDF_CACHE_SIZE`` entries, keyed by a hash of what the page is made from:
the answers, the language and the date) serves the same person's second click
without rendering or a slot; it lives in the worker's memory only, is never written to
disk or logged, and forgets the oldest first.
"""

from __future__ import annotations

import atexit
import fcntl
import hashlib
import json
import os
import shutil
import tempfile
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Seconds a refused PDF suggests waiting: about two renders.
BUSY_RETRY_AFTER = 3


class Busy(Exception):
    """Every render slot is taken; nothing was queued."""


class RenderSlots:
    """``count`` slots shared by every process (and thread) that uses the same folder: a
    non-blocking semaphore made of lock files, freed by the kernel when a holder dies."""

    def __init__(self, count: int, folder: Path | None = None) -> None:
        if folder is None:
            folder = Path(tempfile.mkdtemp(prefix="screener-pdf-slots-"))
            maker = os.getpid()  # forked workers share the folder; the maker removes it
            atexit.register(lambda: os.getpid() == maker and shutil.rmtree(folder, True))
        self.paths = [folder / f"slot-{n}" for n in range(count)]

    @contextmanager
    def taken(self) -> Iterator[None]:
        """Hold a free slot for the block; ``Busy`` at once when there is none."""
        for path in self.paths:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            try:
                yield
                return
            finally:
                os.close(fd)  # closing the file releases the lock
        raise Busy


def _allow() -> None:
    """Every download allowed (no limit)."""


class PdfMaker:
    """Turns a page's HTML into PDF bytes with ``render``, at most ``concurrency`` at a time
    on the server, remembering this worker's last ``cache_size`` results."""

    def __init__(self, render: Callable[[str], bytes], concurrency: int,
                 cache_size: int) -> None:
        self.render = render
        self.slots = RenderSlots(concurrency)
        self.cache_size = cache_size
        self.cache: OrderedDict[bytes, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def make(self, what: Any, page: Callable[[], str], admit: Callable[[], None] = _allow,
             ) -> bytes:
        """The PDF of ``page()``, which depends only on ``what`` (JSON: the answers, the
        language, the date): from the cache, else rendered if a slot is free.

        ``admit`` counts the download against the client's limit and raises past it; it
        is called for a cached PDF and once a slot is held, so a refusal for want of a
        slot (``Busy``, raised at once, never a wait) costs neither a page render nor the
        person's allowance.
        """
        key = hashlib.sha256(json.dumps(what, sort_keys=True, ensure_ascii=False)
                             .encode("utf-8")).digest()
        with self.lock:
            found = self.cache.get(key)
            if found is not None:
                self.cache.move_to_end(key)
        if found is not None:
            admit()
            return found
        with self.slots.taken():
            admit()
            pdf = self.render(page())
        if self.cache_size:
            with self.lock:
                self.cache[key] = pdf
                while len(self.cache) > self.cache_size:
                    self.cache.popitem(last=False)
        return pdf
