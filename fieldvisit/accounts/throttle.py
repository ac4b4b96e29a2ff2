"""Sign-in throttling, by account and by address together.

Each failed password or code counts twice: against the account (its lock-out) and against
the client's address, both kept in the database so that every web process gives the same
answer. An email that matches no account
locks exactly as a real one would, counted in the database too so that every process gives
the same answer: the answers never tell which accounts exist. The
address is the real client's, taken from X-Forwarded-For as far as the configured proxies
(FIELDVISIT_PROXY_COUNT, see core/web.py) vouch for it, so a reverse proxy does not make
everyone one address.
"""

from __future__ import annotations

import hashlib
from datetime import timedelta

from flask import abort, request
from sqlalchemy import delete, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from fieldvisit.accounts.models import UnknownEmailLockout
from fieldvisit.core.dates import utcnow
from fieldvisit.core.db import db
from fieldvisit.core.ratelimit import RateLimiter

ADDRESS_WINDOW_SECONDS = 300
MAX_FAILURES_PER_ADDRESS = 30
address_limiter = RateLimiter("sign_in_address", MAX_FAILURES_PER_ADDRESS, ADDRESS_WINDOW_SECONDS)
# A real account's failure count never expires; an unknown email's is kept this long.
FORGET_AFTER = timedelta(days=30)


def client_address() -> str:
    return request.remote_addr or "unknown"


def refuse_if_address_throttled() -> None:
    """Refuse from an address with too many recent failures (successes don't count: a
    school's staff share one address)."""
    if address_limiter.exceeded(db.session, client_address()):
        abort(429, "Too many failed sign-in attempts from this address. Wait five minutes.")


def count_address_failure() -> None:
    """Count a failure against the address, in the request's transaction: commit it."""
    address_limiter.hit(db.session, client_address())


def _email_key(email: str) -> str:
    return hashlib.sha256(email.strip().lower().encode()).hexdigest()


def unknown_email_locked(session: Session, email: str) -> bool:
    """Say whether an email that matches no account is locked out now."""
    until = session.scalar(
        select(UnknownEmailLockout.locked_until).where(
            UnknownEmailLockout.email_sha256 == _email_key(email)
        )
    )
    return until is not None and until > utcnow()


def count_unknown_email_failure(
    session: Session, email: str, max_failures: int, lockout: timedelta
) -> bool:
    """Count a failure for an email that matches no account; say whether it locked it, as it
    would a real account. Rows untouched for FORGET_AFTER are removed on the way."""
    now, key = utcnow(), _email_key(email)
    session.execute(
        delete(UnknownEmailLockout).where(UnknownEmailLockout.updated_at < now - FORGET_AFTER)
    )
    # Insert-or-nothing, then lock the row: two sign-ins at once count twice, never fail.
    insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
    session.execute(
        insert(UnknownEmailLockout)
        .values(email_sha256=key, failed_logins=0, updated_at=now)
        .on_conflict_do_nothing(index_elements=["email_sha256"])
    )
    row = session.scalars(
        select(UnknownEmailLockout)
        .where(UnknownEmailLockout.email_sha256 == key)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    row.failed_logins += 1
    row.updated_at = now
    locked = row.failed_logins >= max_failures
    if locked:
        row.failed_logins, row.locked_until = 0, now + lockout
    session.flush()
    return locked
