"""How long a sign-in lasts: an idle limit and an absolute limit, set by the LA.

The session cookie is persistent (it survives the browser or the phone restarting) and is
not tied to the address the request comes from (a phone moves from Wi-Fi to 4G), so an
officer stays signed in for a working day on their own phone. What ends a session: the
idle limit, the absolute limit, signing out, a password change or an admin disabling the
account (both change the user's session nonce, checked on every request).
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from flask import Flask, flash, g, redirect, request, session, url_for
from flask_login import current_user, logout_user
from sqlalchemy import select

from fieldvisit.accounts.models import User
from fieldvisit.core.db import db
from fieldvisit.core.permissions import Role
from fieldvisit.core.web import login_manager
from fieldvisit.schools.models import SESSION_DEFAULTS, LocalAuthority

# The cookie's own life: longer than any absolute limit the settings allow.
COOKIE_LIFETIME = timedelta(hours=24)
SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"


@dataclass(frozen=True)
class Limits:
    idle_seconds: int
    absolute_seconds: int
    officer: bool

    def describe_idle(self) -> str:
        minutes = self.idle_seconds // 60
        if minutes % 60 == 0:
            hours = minutes // 60
            return f"{hours} hour{'s' if hours != 1 else ''}"
        return f"{minutes} minutes"


def limits_for(user: Any) -> Limits:
    """Return the user's limits: an officer on their own phone has the working day's."""
    la = db.session.scalar(select(LocalAuthority).order_by(LocalAuthority.id).limit(1))
    settings = {key: getattr(la, key) if la else value for key, value in SESSION_DEFAULTS.items()}
    officer = Role.OFFICER in user.roles and not user.roles & {Role.ADMIN, Role.LAAO}
    if officer:
        return Limits(
            settings["officer_idle_minutes"] * 60, settings["officer_absolute_hours"] * 3600, True
        )
    return Limits(
        settings["office_idle_minutes"] * 60, settings["office_absolute_hours"] * 3600, False
    )


def start() -> None:
    """Begin a signed-in session's clocks (call after login_user)."""
    now = int(time.time())
    session.permanent = True
    session[SIGNED_IN_AT] = now
    session[SEEN_AT] = now


def load_user(token: str) -> User | None:
    """Return the user a session cookie names, unless their nonce changed or they are disabled."""
    user_id, _, nonce = token.partition(":")
    if not user_id.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not secrets.compare_digest(user.session_nonce, nonce):
        return None
    if not user.active:
        g.account_disabled = True  # the API says so, and the phone forgets what it holds
        return None
    return user


def init_app(app: Flask) -> None:
    app.permanent_session_lifetime = COOKIE_LIFETIME
    login_manager.user_loader(load_user)

    @app.before_request
    def _end_expired_sessions() -> Any:
        if not current_user.is_authenticated:
            return None
        limits = limits_for(current_user)
        now = int(time.time())
        signed_in_at = session.get(SIGNED_IN_AT, 0)
        seen_at = session.get(SEEN_AT, signed_in_at)
        if now - seen_at > limits.idle_seconds:
            why = f"You were signed out after {limits.describe_idle()} without activity."
        elif now - signed_in_at > limits.absolute_seconds:
            why = "You were signed out: a sign-in lasts a working day at most."
        else:
            if now - seen_at >= 30:  # the cookie changes at most twice a minute
                session[SEEN_AT] = now
            return None
        logout_user()
        session.clear()
        if request.path.startswith("/api/"):
            return None  # the API answers 401, and the phone keeps everything
        flash(f"{why} Sign in again.", "info")
        return redirect(url_for("accounts.login", next=request.full_path.rstrip("?")))
