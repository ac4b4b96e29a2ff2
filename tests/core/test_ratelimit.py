"""Rate limits kept in the database: every web process counts the same hits."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from fieldvisit.core import ratelimit
from fieldvisit.core.ratelimit import RateHit, RateLimiter


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1_800_000_000.0]
    monkeypatch.setattr(ratelimit.time, "time", lambda: now[0])
    return now


def test_the_limit_holds_and_another_process_sees_it(session: Session, clock: list[float]) -> None:
    here = RateLimiter("test", limit=3, window_seconds=60)
    elsewhere = RateLimiter("test", limit=3, window_seconds=60)  # another web process's copy
    assert [here.allow(session, "198.51.100.1") for _ in range(4)] == [True, True, True, False]
    assert elsewhere.exceeded(session, "198.51.100.1")
    assert not elsewhere.exceeded(session, "198.51.100.2")
    assert not RateLimiter("other", limit=3, window_seconds=60).exceeded(session, "198.51.100.1")


def test_hits_leave_the_window_and_the_table(session: Session, clock: list[float]) -> None:
    limiter = RateLimiter("test", limit=2, window_seconds=60)
    limiter.hit(session, "198.51.100.1")
    clock[0] += 30
    limiter.hit(session, "198.51.100.1")
    assert limiter.exceeded(session, "198.51.100.1")
    clock[0] += 31  # the first hit is now more than a minute old
    assert not limiter.exceeded(session, "198.51.100.1")
    clock[0] += 60
    limiter.hit(session, "198.51.100.3")  # each hit forgets the buckets the window has left
    assert session.scalars(select(RateHit.hits)).all() == [1]


def test_addresses_are_kept_hashed(session: Session, clock: list[float]) -> None:
    RateLimiter("test", limit=2, window_seconds=60).hit(session, "198.51.100.1")
    keys = session.scalars(select(RateHit.key_sha256)).all()
    assert keys and all("198.51" not in key and len(key) == 64 for key in keys)
