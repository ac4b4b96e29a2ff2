"""Sign-in throttling, by account and by address together.

Each failed password or code counts twice: against the account (its lock-out, kept in the
database) and against the client's address (in memory). An email that matches no account
locks exactly as a real one would, so the answers never tell which accounts exist. The
address is the real client's, taken from X-Forwarded-For as far as the configured proxies
(FIELDVISIT_PROXY_COUNT, see core/web.py) vouch for it, so a reverse proxy does not make
everyone one address.
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta

from flask import abort, request

from fieldvisit.core.dates import utcnow
from fieldvisit.core.ratelimit import RateLimiter

ADDRESS_WINDOW_SECONDS = 300
MAX_FAILURES_PER_ADDRESS = 30
address_limiter = RateLimiter(MAX_FAILURES_PER_ADDRESS, ADDRESS_WINDOW_SECONDS)


def client_address() -> str:
    return request.remote_addr or "unknown"


def refuse_if_address_throttled() -> None:
    """Refuse from an address with too many recent failures (successes don't count: a
    school's staff share one address)."""
    if address_limiter.exceeded(client_address()):
        abort(429, "Too many failed sign-in attempts from this address. Wait five minutes.")


def count_address_failure() -> None:
    address_limiter.allow(client_address())


class UnknownAccounts:
    """Lock-outs of emails that match no account, mirroring a real account's (in memory,
    by a hash of the email: what was typed is never kept)."""

    MAX_KEPT = 10_000

    def __init__(self) -> None:
        self._state: dict[str, tuple[int, datetime | None]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _key(email: str) -> str:
        return hashlib.sha256(email.strip().lower().encode()).hexdigest()

    def locked(self, email: str) -> bool:
        with self._lock:
            _, until = self._state.get(self._key(email), (0, None))
            return until is not None and until > utcnow()

    def fail(self, email: str, max_failures: int, lockout: timedelta) -> bool:
        """Count a failure; say whether it locked the email, as it would a real account."""
        key, now = self._key(email), utcnow()
        with self._lock:
            failures, _ = self._state.pop(key, (0, None))
            failures += 1
            locked = failures >= max_failures
            self._state[key] = (0, now + lockout) if locked else (failures, None)
            while len(self._state) > self.MAX_KEPT:  # forget the oldest first
                del self._state[next(iter(self._state))]
            return locked

    def clear(self) -> None:
        with self._lock:
            self._state.clear()


unknown_accounts = UnknownAccounts()
