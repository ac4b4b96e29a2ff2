"""Sign in and sign out."""

from __future__ import annotations

import time
from collections import defaultdict, deque
from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user, login_required, login_user, logout_user

from fieldvisit.accounts.schemas import SignInSchema
from fieldvisit.accounts.services import authenticate, new_nonce
from fieldvisit.core.audit import audit
from fieldvisit.core.db import db
from fieldvisit.core.errors import ValidationFailed
from fieldvisit.core.forms import error_list, load_form
from fieldvisit.core.permissions import Role
from fieldvisit.core.web import commit

bp = Blueprint("accounts", __name__)

WINDOW_SECONDS = 300
MAX_ATTEMPTS_PER_WINDOW = 30
_attempts: dict[str, deque[float]] = defaultdict(deque)


def _throttle(key: str) -> None:
    """Refuse sign-in from an address that has tried too often lately."""
    now = time.monotonic()
    recent = _attempts[key]
    while recent and recent[0] < now - WINDOW_SECONDS:
        recent.popleft()
    if len(recent) >= MAX_ATTEMPTS_PER_WINDOW:
        abort(429, "Too many sign-in attempts from this address. Wait five minutes and try again.")
    recent.append(now)


def home_for(user: Any) -> str:
    """Send administrators without a case role to the admin pages, everyone else to cases."""
    if user.roles == {Role.ADMIN}:
        return url_for("admin.index")
    return url_for("cases.index")


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_for(current_user))
    errors: dict[str, list[str]] = {}
    raw: dict[str, Any] = {}
    if request.method == "POST":
        _throttle(request.remote_addr or "unknown")
        result = load_form(SignInSchema(), request.form)
        raw, errors = result.raw, result.errors
        if result.ok:
            assert result.data is not None
            try:
                user = authenticate(db.session, result.data["email"], result.data["password"])
            except ValidationFailed as error:
                commit()  # keep the failure count
                errors = {"email": [error.message]}
            else:
                audit(db.session, user.id, "sign_in", "user", user.id)
                commit()
                login_user(user)
                return redirect(_safe_next(request.args.get("next")) or home_for(user))
        raw.pop("password", None)
    status = 400 if errors else 200
    return render_template(
        "accounts/login.html", errors=errors, error_list=error_list(errors), values=raw
    ), status


def _safe_next(target: str | None) -> str | None:
    """Follow ?next= only to a path on this site."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.post("/logout")
@login_required
def logout() -> Any:
    user = current_user._get_current_object()
    user.session_nonce = new_nonce()  # ends this user's sessions everywhere
    audit(db.session, user.id, "sign_out", "user", user.id)
    commit()
    logout_user()
    return redirect(url_for("accounts.login"))
