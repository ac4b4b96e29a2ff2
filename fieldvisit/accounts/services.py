"""Passwords, sign-in with lock-out, and creating users."""

from __future__ import annotations

import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import Flask, current_app
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fieldvisit.accounts import mfa
from fieldvisit.accounts.models import MFA_REQUIRED, User, UserRole
from fieldvisit.accounts.throttle import count_unknown_email_failure, unknown_email_locked
from fieldvisit.core.audit import audit
from fieldvisit.core.dates import utcnow
from fieldvisit.core.errors import ValidationFailed
from fieldvisit.core.permissions import Role
from fieldvisit.schools.models import School


class Passwords:
    """The app's password hasher, built from its settings (tests ask for a cheap one)."""

    def __init__(self, time_cost: int, memory_cost_kib: int, parallelism: int) -> None:
        self.hasher = PasswordHasher(
            time_cost=time_cost, memory_cost=memory_cost_kib, parallelism=parallelism
        )
        # Verified when the email is unknown, so a wrong email costs as long as a wrong
        # password; made with the same parameters as every real hash.
        self.dummy_hash = self.hasher.hash(secrets.token_urlsafe(16))

    @classmethod
    def of(cls, app: Flask) -> Passwords:
        """Return the app's hasher, built on first use from its ARGON2_* settings."""
        if (passwords := app.extensions.get("fieldvisit.passwords")) is None:
            config = app.config
            passwords = cls(
                config["ARGON2_TIME_COST"],
                config["ARGON2_MEMORY_COST_KIB"],
                config["ARGON2_PARALLELISM"],
            )
            app.extensions["fieldvisit.passwords"] = passwords
        return passwords


def _hasher() -> PasswordHasher:
    return Passwords.of(current_app).hasher


SIGN_IN_FAILED = "Enter a correct email address and password."
LOCKED = (
    "This account is locked after too many failed sign-in attempts. "
    "Try again in 15 minutes or ask your administrator to unlock it."
)


class AccountLocked(ValidationFailed):
    """Too many wrong passwords from a signed-in session: the account is locked, and every
    session of it ends."""


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def new_nonce() -> str:
    return secrets.token_hex(16)


def authenticate(session: Session, email: str, password: str) -> User:
    """Return the user these credentials belong to, or raise with a message that leaks nothing.

    Every failure writes an audit row by ids and address only: the email typed is never
    recorded, since when it matches no account it may be anything (a password, a name).
    """
    user = session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
    now = utcnow()
    if user is None:
        # Answer as a real account would, lock-out included: nothing tells which exist.
        _verify(Passwords.of(current_app).dummy_hash, password)
        if unknown_email_locked(session, email):
            audit(session, None, "sign_in_failed", "user", None, {"reason": "locked"})
            raise ValidationFailed(LOCKED)
        audit(session, None, "sign_in_failed", "user", None)
        if count_unknown_email_failure(session, email, *_lockout()):
            audit(session, None, "lock_out", "user", None)
        raise ValidationFailed(SIGN_IN_FAILED)
    if user.locked_until and user.locked_until > now:
        _verify(Passwords.of(current_app).dummy_hash, password)  # takes as long as the others
        audit(session, None, "sign_in_failed", "user", user.id, {"reason": "locked"})
        raise ValidationFailed(LOCKED)
    if not _verify(user.password_hash, password) or not user.active:
        _count_failure(session, user, "sign_in_failed")
        raise ValidationFailed(SIGN_IN_FAILED)
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    return user


def _lockout() -> tuple[int, timedelta]:
    config = current_app.config
    return config["LOGIN_MAX_FAILURES"], timedelta(minutes=config["LOGIN_LOCKOUT_MINUTES"])


def _count_failure(session: Session, user: User, action: str, actor_id: int | None = None) -> bool:
    """Count a failure towards the lock-out and audit it; say whether it locked the account.
    The actor is unknown (None) until the sign-in is complete."""
    audit(session, actor_id, action, "user", user.id)
    max_failures, lockout = _lockout()
    user.failed_logins += 1
    if user.failed_logins < max_failures:
        return False
    user.locked_until = utcnow() + lockout
    user.failed_logins = 0
    audit(session, None, "lock_out", "user", user.id)
    return True


WRONG_CODE = "That code is not right. Enter the 6-digit code your authenticator app shows now."


def check_second_factor(session: Session, user: User, code: str) -> None:
    """Accept the authenticator code (on a first sign-in, from the app being set up) or count
    a failure towards the lock-out."""
    if user.locked_until and user.locked_until > utcnow():
        audit(session, None, "second_factor_failed", "user", user.id, {"reason": "locked"})
        raise ValidationFailed(LOCKED)
    setting_up = user.totp_secret is None
    accepted = mfa.confirm_pending(user, code) if setting_up else mfa.accept_code(user, code)
    if not accepted:
        _count_failure(session, user, "second_factor_failed")
        raise ValidationFailed(WRONG_CODE)
    if setting_up:
        audit(session, user.id, "set_up_second_factor", "user", user.id)
    user.failed_logins = 0


def _refuse_wrong(session: Session, user: User, action: str, field: str, message: str) -> None:
    """Count a wrong password or code from a signed-in user; at the lock-out, end every
    session of the account."""
    if _count_failure(session, user, action, actor_id=user.id):
        user.session_nonce = new_nonce()
        raise AccountLocked(LOCKED)
    raise ValidationFailed(message, fields={field: [message]})


def confirm_identity(session: Session, user: User, password: str, code: str) -> None:
    """Check the signed-in user's password and, when they have an authenticator, a current
    code from it (before the second factor changes)."""
    if not _verify(user.password_hash, password):
        _refuse_wrong(
            session, user, "confirm_identity_failed", "password", "Your password is not right."
        )
    if user.totp_secret is not None and not mfa.accept_code(user, code):
        _refuse_wrong(session, user, "confirm_identity_failed", "current_code", WRONG_CODE)


def start_second_factor_change(session: Session, user: User, password: str, code: str) -> str:
    """Begin setting up a new authenticator, once the password and a current code are given;
    return the new secret, kept on the server until a code from it confirms it."""
    confirm_identity(session, user, password, code)
    audit(session, user.id, "start_second_factor_change", "user", user.id)
    return mfa.start_pending(user)


def finish_second_factor_change(session: Session, user: User, code: str) -> None:
    """Make the authenticator being set up the user's own, on a code from it."""
    replacing = user.totp_secret is not None
    if not mfa.confirm_pending(user, code):
        _refuse_wrong(session, user, "second_factor_failed", "code", WRONG_CODE)
    audit(
        session,
        user.id,
        "replace_second_factor" if replacing else "set_up_second_factor",
        "user",
        user.id,
    )


def remove_second_factor(session: Session, user: User, password: str, code: str) -> None:
    """Stop asking for a code at sign-in, where the user's role does not need one."""
    if user.roles & MFA_REQUIRED:
        raise ValidationFailed(
            "Your role needs an authenticator app: you can replace it, not remove it."
        )
    confirm_identity(session, user, password, code)
    user.totp_secret = None
    user.pending_totp_secret = user.pending_totp_since = None
    audit(session, user.id, "remove_second_factor", "user", user.id)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    roles: set[Role],
    school: School | None = None,
) -> User:
    """Add a user; school and officer users at a school need that school."""
    email = email.strip().lower()
    if "@" not in email:
        raise ValidationFailed("Enter an email address like name@school.org.uk.")
    if len(password) < 12:
        raise ValidationFailed("The password must be at least 12 characters long.")
    if Role.SCHOOL in roles and school is None:
        raise ValidationFailed("A school user needs a school: give its URN.")
    if session.scalar(select(User.id).where(func.lower(User.email) == email)):
        raise ValidationFailed(f"A user with the email address {email} already exists.")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        school=school,
        session_nonce=new_nonce(),
        role_rows=[UserRole(role=r) for r in sorted(roles)],
    )
    session.add(user)
    session.flush()
    return user


def change_password(session: Session, user: User, current: str, new: str) -> None:
    """Change the user's password; every other signed-in device is signed out.

    A wrong current password counts towards the lock-out as a failed sign-in does.
    """
    if not _verify(user.password_hash, current):
        _refuse_wrong(
            session,
            user,
            "change_password_failed",
            "current_password",
            "Your current password is not right.",
        )
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_nonce = new_nonce()
