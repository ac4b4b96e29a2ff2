"""A small in-process rate limiter: at most N hits per key in a sliding window."""

from __future__ import annotations

import threading
import time
from collections import defaultdict, deque


class RateLimiter:
    def __init__(self, limit: int, window_seconds: float) -> None:
        self.limit = limit
        self.window = window_seconds
        self._hits: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Count a hit for `key`; say whether it is within the limit."""
        now = time.monotonic()
        with self._lock:
            recent = self._hits[key]
            while recent and recent[0] <= now - self.window:
                recent.popleft()
            if len(recent) >= self.limit:
                return False
            recent.append(now)
            if len(self._hits) > 10_000:  # forget idle keys so memory stays bounded
                for idle in [
                    k for k, v in self._hits.items() if not v or v[-1] <= now - self.window
                ]:
                    del self._hits[idle]
            return True

    def exceeded(self, key: str) -> bool:
        """Say whether `key` is at its limit now, without counting a hit."""
        now = time.monotonic()
        with self._lock:
            recent = self._hits.get(key) or ()
            return sum(t > now - self.window for t in recent) >= self.limit

    def clear(self) -> None:
        with self._lock:
            self._hits.clear()
