"""Rate limits counted in the database, so every web process gives the same answer.

At most `limit` hits per key in a sliding window. Time is cut into ten buckets a window;
a key's hits are kept per bucket (`rate_hits`), summed over the window's buckets, and
forgotten once the window has passed them. Keys are stored hashed: an address never sits
in the table.
"""

from __future__ import annotations

import hashlib
import time

from sqlalchemy import String, delete, func, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, Session, mapped_column

from fieldvisit.core.db import Base

BUCKETS = 10


class RateHit(Base):
    """The hits counted against one key in one tenth of its limiter's window."""

    __tablename__ = "rate_hits"

    scope: Mapped[str] = mapped_column(String(30), primary_key=True)
    key_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    bucket: Mapped[int] = mapped_column(primary_key=True)
    hits: Mapped[int] = mapped_column(default=0)


class RateLimiter:
    """At most `limit` hits per key in `window_seconds`, shared by every process."""

    def __init__(self, scope: str, limit: int, window_seconds: int) -> None:
        self.scope = scope
        self.limit = limit
        self.window = window_seconds
        self.bucket_seconds = max(1, window_seconds // BUCKETS)

    def exceeded(self, session: Session, key: str) -> bool:
        """Say whether `key` is at its limit now, without counting a hit."""
        return self.count(session, key) >= self.limit

    def allow(self, session: Session, key: str) -> bool:
        """Count a hit for `key` unless it is at its limit; say whether it was allowed."""
        if self.exceeded(session, key):
            return False
        self.hit(session, key)
        return True

    def count(self, session: Session, key: str) -> int:
        hits = session.scalar(
            select(func.coalesce(func.sum(RateHit.hits), 0)).where(
                RateHit.scope == self.scope,
                RateHit.key_sha256 == _hashed(key),
                RateHit.bucket > self._now() - BUCKETS,
            )
        )
        return int(hits or 0)

    def hit(self, session: Session, key: str) -> None:
        """Count a hit (in the session's transaction) and forget buckets the window has left."""
        now = self._now()
        dialect = session.get_bind().dialect.name
        insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
        statement = insert(RateHit).values(
            scope=self.scope, key_sha256=_hashed(key), bucket=now, hits=1
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=["scope", "key_sha256", "bucket"],
                set_={"hits": RateHit.hits + 1},
            )
        )
        session.execute(
            delete(RateHit).where(RateHit.scope == self.scope, RateHit.bucket <= now - BUCKETS)
        )

    def _now(self) -> int:
        return int(time.time()) // self.bucket_seconds


def _hashed(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()
