"""The patient's PDF, bounded: a few downloads a minute per client, a cap on how many
render at once in each worker, and a small in-memory cache of finished PDFs.

A PDF costs about a second and a quarter of CPU (WeasyPrint); without bounds six clients
looping on it took the landing page's median from 2 ms to 661 ms. The limit
(``PDF_RATE_LIMIT``, per client, through ``limit_client``) stops one person asking for
dozens; the cap (``PDF_CONCURRENCY`` per worker, a semaphore taken without waiting) keeps
a burst from many clients from holding every worker: the rest are told to try again in a
moment (503 with Retry-After) instead of queueing. The cache (``PDF_CACHE_SIZE`` entries,
keyed by a hash of the page the PDF is made from, so answers, language, date and clinic
all count) serves the same person's second click without rendering; it lives in the
worker's memory only, is never written to disk or logged, and forgets the oldest first.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from limits import parse

from ..config import ConfigError

# Seconds a refused PDF suggests waiting: about two renders.
BUSY_RETRY_AFTER = 3


class Busy(Exception):
    """Every render slot of this worker is taken; nothing was queued."""


class PdfMaker:
    """Turns a page's HTML into PDF bytes with ``render``, at most ``concurrency`` at a time
    in this process, remembering the last ``cache_size`` results."""

    def __init__(self, render: Callable[[str], bytes], concurrency: int,
                 cache_size: int) -> None:
        self.render = render
        self.slots = threading.BoundedSemaphore(concurrency)
        self.cache_size = cache_size
        self.cache: OrderedDict[bytes, bytes] = OrderedDict()
        self.lock = threading.Lock()

    def make(self, html: str) -> bytes:
        """The PDF of ``html``: from the cache, else rendered if a slot is free.

        Raises ``Busy`` at once, without waiting, when every slot is taken.
        """
        key = hashlib.sha256(html.encode("utf-8")).digest()
        with self.lock:
            found = self.cache.get(key)
            if found is not None:
                self.cache.move_to_end(key)
                return found
        if not self.slots.acquire(blocking=False):
            raise Busy
        try:
            pdf = self.render(html)
        finally:
            self.slots.release()
        if self.cache_size:
            with self.lock:
                self.cache[key] = pdf
                while len(self.cache) > self.cache_size:
                    self.cache.popitem(last=False)
        return pdf


def pdf_settings(config: dict[str, Any]) -> tuple[int, int]:
    """(concurrency, cache size) from the configuration, checked: a bad value stops
    start-up with the setting's name."""
    try:
        parse(str(config["PDF_RATE_LIMIT"]))
    except ValueError as exc:
        raise ConfigError(f"SCREENER_PDF_RATE_LIMIT: {config['PDF_RATE_LIMIT']!r} is not a "
                          "limit such as '6 per minute'") from exc
    values = []
    for name, least in (("PDF_CONCURRENCY", 1), ("PDF_CACHE_SIZE", 0)):
        try:
            value = int(config[name])
        except (TypeError, ValueError):
            value = least - 1
        if value < least:
            raise ConfigError(f"SCREENER_{name}: {config[name]!r} is not a whole number of "
                              f"at least {least}")
        values.append(value)
    return values[0], values[1]
