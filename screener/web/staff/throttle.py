"""Throttle failed staff sign-ins, never lock the owner out.

Failures are counted per email *and* client address: after the free ones
(``STAFF_SIGN_IN_FAILURES``, "5 per 15 minutes": 5 free, then waits that double from
``FIRST_WAIT`` seconds up to 15 minutes) that address must wait before it may try that
email again. Another
address, such as the owner's, is not slowed by them. An email known or not is treated
alike, so the answers do not tell which emails have accounts.

The account's own count of failures since its last success (in the database, shared by
every worker) is capped at ``STAFF_SIGN_IN_MAX_FAILURES`` (NIST SP 800-63B 5.2.2: no more
than 100): past it, only addresses that have signed in to that account before (within
``KNOWN_DAYS``) may try, until a success or an admin's reset starts the count again.

The counts live in the rate-limit storage (``RATELIMIT_STORAGE_URI``), so with Redis
they are shared by workers and servers.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import parse
from limits.storage import Storage

from ...store.accounts import normal_email
from ...store.reference import digest

# The wait after the last free failure; each failure after doubles it.
FIRST_WAIT = 30
# Failures per email and address are remembered this long: the waits keep growing.
MEMORY_SECONDS = 24 * 3600
# An address the account signed in from is "known" this long after.
KNOWN_DAYS = 30


@dataclass(frozen=True)
class Refusal:
    """Why an attempt is not even tried: a wait, or the account's cap reached."""

    reason: str  # "throttled" or "capped"
    seconds: int  # how long before trying again (the cap: until the count starts again)


class SignInThrottle:
    def __init__(self, storage: Storage, failures: str, cap: int) -> None:
        limit = parse(failures)
        self.storage = storage
        self.free = limit.amount
        self.longest = limit.get_expiry()
        self.cap = cap

    def wait_after(self, failures: int) -> int:
        """Seconds an address waits after its ``failures``-th failure for one email."""
        if failures < self.free:
            return 0
        return min(FIRST_WAIT * 2 ** min(failures - self.free, 32), self.longest)

    @staticmethod
    def _key(kind: str, email: str, client: str) -> str:
        return f"staff-{kind}/{digest('staff:' + normal_email(email))}/{client}"

    def refusal(self, email: str, client: str, account_failures: int) -> Refusal | None:
        """Whether this address may try this email now (given the account's failures)."""
        wait = self._key("wait", email, client)
        if self.storage.get(wait) > 0:
            return Refusal("throttled",
                           max(1, math.ceil(self.storage.get_expiry(wait) - time.time())))
        if account_failures >= self.cap and not self.storage.get(
                self._key("known", email, client)):
            return Refusal("capped", self.longest)
        return None

    def failed(self, email: str, client: str) -> int:
        """Count a failure; the seconds this address now waits for this email."""
        count = self.storage.incr(self._key("failures", email, client), MEMORY_SECONDS)
        seconds = self.wait_after(count)
        if seconds:
            wait = self._key("wait", email, client)
            self.storage.clear(wait)
            self.storage.incr(wait, seconds)
        return seconds

    def succeeded(self, email: str, client: str) -> None:
        """The owner is in from here: this address starts afresh and is known."""
        for kind in ("failures", "wait"):
            self.storage.clear(self._key(kind, email, client))
        known = self._key("known", email, client)
        self.storage.clear(known)
        self.storage.incr(known, KNOWN_DAYS * 24 * 3600)
