"""Sign in and sign out."""

from __future__ import annotations

import time
from typing import Any, cast
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from fieldvisit.accounts import mfa, sessions, throttle
from fieldvisit.accounts.credentials import checked, posted_code
from fieldvisit.accounts.models import User
from fieldvisit.accounts.schemas import SignInSchema
from fieldvisit.accounts.services import authenticate, check_second_factor, new_nonce
from fieldvisit.core.audit import audit
from fieldvisit.core.db import db
from fieldvisit.core.forms import error_list, load_form
from fieldvisit.core.web import commit, home_url

bp = Blueprint("accounts", __name__)
bp.record_once(lambda state: sessions.init_app(cast(Flask, state.app)))

PENDING_SECONDS = 300


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    if current_user.is_authenticated and request.method == "GET":
        return redirect(home_url(current_user))
    errors: dict[str, list[str]] = {}
    raw: dict[str, Any] = {}
    if request.method == "POST":
        throttle.refuse_if_address_throttled()
        result = load_form(SignInSchema(), request.form)
        raw, errors = result.raw, result.errors
        if result.ok:
            assert result.data is not None
            data = result.data
            signed_in = checked(
                lambda: authenticate(db.session, data["email"], data["password"]), field="email"
            )
            errors = signed_in.errors
            if (user := signed_in.value) is not None:
                if user.needs_second_factor:
                    if user.totp_secret is None and mfa.pending_secret(user) is None:
                        mfa.start_pending(user)  # a first sign-in sets the app up
                    commit()
                    session["pending_sign_in"] = {
                        "user": user.get_id(),
                        "at": time.time(),
                        "next": _safe_next(request.args.get("next")),
                    }
                    return redirect(url_for("accounts.second_factor"))
                return _finish_sign_in(user, _safe_next(request.args.get("next")))
        raw.pop("password", None)
    status = 400 if errors else 200
    return render_template(
        "accounts/login.html", errors=errors, error_list=error_list(errors), values=raw
    ), status


def _finish_sign_in(user: User, next_url: str | None) -> Any:
    audit(db.session, user.id, "sign_in", "user", user.id)
    commit()
    session.pop("pending_sign_in", None)
    login_user(user)
    sessions.start()
    return redirect(next_url or home_url(user))


def _pending_user() -> User | None:
    """Return the user who gave the right password in the last five minutes, if any."""
    pending = session.get("pending_sign_in")
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None
    user_id, _, nonce = pending["user"].partition(":")
    user = db.session.get(User, int(user_id))
    if user is None or not user.active or user.session_nonce != nonce:
        return None
    return user


@bp.route("/login/code", methods=["GET", "POST"])
def second_factor() -> Any:
    """Ask for the authenticator code; on a first sign-in, set the authenticator up."""
    user = _pending_user()
    if user is None:
        flash("Sign in again: the sign-in took too long or was not started.", "info")
        return redirect(url_for("accounts.login"))
    setting_up = user.totp_secret is None
    secret = mfa.pending_secret(user) if setting_up else None
    if setting_up and secret is None:
        flash("Sign in again: setting up the authenticator app took too long.", "info")
        return redirect(url_for("accounts.login"))
    passed = posted_code(lambda code: check_second_factor(db.session, user, code))
    if passed is not None and passed.ok:
        return _finish_sign_in(user, session["pending_sign_in"].get("next"))
    errors = passed.errors if passed else {}
    return render_template(
        "accounts/code.html",
        errors=errors,
        error_list=error_list(errors),
        values={},
        setting_up=setting_up,
        secret=secret,
        qr_svg=Markup(mfa.setup_qr_svg(secret, user.email)) if secret else None,
    ), 400 if errors else 200


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
