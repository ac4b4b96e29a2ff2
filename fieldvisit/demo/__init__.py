"""The demo local authority: schools, users of every role, and cases in every state."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select

from fieldvisit.core.db import db
from fieldvisit.demo.data import LA_CODE, TOTP_KEYS
from fieldvisit.demo.seeder import Seeder
from fieldvisit.schools.models import LocalAuthority

__all__ = ["TOTP_KEYS", "seed"]


def seed() -> Iterator[str]:
    """Load the demo data once; print the sign-ins either way."""
    session = db.session
    if session.scalar(select(LocalAuthority).where(LocalAuthority.la_code == LA_CODE)) is None:
        Seeder(session).run()
        session.commit()
        yield "Loaded the demo local authority, schools, users and cases."
    else:
        yield "The demo data is already loaded."
    yield ""
    yield "Demo sign-ins (password: fieldvisit-demo):"
    for email, what in (
        ("school@demo.test", "school office, Riverside Primary School"),
        ("school2@demo.test", "school office, Fenland Academy"),
        ("officer@demo.test", "attendance officer (home visits; phone app at /app/)"),
        ("laao@demo.test", "LA attendance officer"),
        ("admin@demo.test", "LA system administrator"),
    ):
        yield f"  {email:<20} {what}"
    yield ""
    yield "LAAOs and admins also enter a code from an authenticator app. Add these keys to one"
    yield "(or run `fieldvisit demo-code EMAIL` to print the current code):"
    for email, key in TOTP_KEYS.items():
        yield f"  {email:<20} {key}"
