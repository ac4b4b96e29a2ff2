"""The signed-in user's own account: password and authenticator app."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, jsonify, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from markupsafe import Markup

from fieldvisit.accounts import mfa, sessions, throttle
from fieldvisit.accounts.credentials import checked, posted_code
from fieldvisit.accounts.models import MFA_REQUIRED
from fieldvisit.accounts.schemas import IdentitySchema, PasswordChangeSchema
from fieldvisit.accounts.services import (
    AccountLocked,
    change_password,
    finish_second_factor_change,
    remove_second_factor,
    start_second_factor_change,
)
from fieldvisit.core.audit import audit
from fieldvisit.core.db import db
from fieldvisit.core.forms import error_list, load_form
from fieldvisit.core.web import commit

bp = Blueprint("account", __name__, url_prefix="/account")

# What a user whose password an admin set may reach before choosing their own.
_BEFORE_OWN_PASSWORD = frozenset({"account.password", "accounts.logout", "static"})


@bp.before_app_request
def _own_password_first() -> Any:
    """Send a user whose password an admin set to choose their own before anything else."""
    if not current_user.is_authenticated or not current_user.must_change_password:
        return None
    if request.endpoint in _BEFORE_OWN_PASSWORD:
        return None
    message = "An administrator set your password: choose your own to go on."
    if request.path.startswith("/api/"):
        # 401: the phone asks the officer to sign in, which leads here; nothing is refused.
        body = {"error": {"code": "password_change_required", "message": message}}
        return jsonify(body), 401
    flash(message, "info")
    return redirect(url_for("account.password"))


@bp.get("/")
@login_required
def account() -> Any:
    required = bool(current_user.roles & MFA_REQUIRED)
    return render_template("accounts/account.html", mfa_required=required)


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password() -> Any:
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        throttle.refuse_if_address_throttled()
        result = load_form(PasswordChangeSchema(), request.form)
        errors = result.errors
        if result.ok:
            assert result.data is not None
            user = current_user._get_current_object()
            data = result.data
            done = checked(
                lambda: change_password(
                    db.session, user, data["current_password"], data["new_password"]
                ),
                field="current_password",
            )
            if isinstance(done.refusal, AccountLocked):
                return _locked_out(done.refusal)
            errors = done.errors
            if done.ok:
                audit(db.session, user.id, "change_password", "user", user.id)
                commit()
                login_user(user)  # this device stays signed in with the new session nonce
                sessions.start()
                flash(
                    "Your password has been changed. Other devices have been signed out.", "success"
                )
                return redirect(url_for("account.account"))
    return render_template(
        "accounts/password.html", errors=errors, error_list=error_list(errors), values={}
    ), 400 if errors else 200


def _locked_out(error: AccountLocked) -> Any:
    """Too many wrong answers: the account is locked and this session ends too."""
    throttle.count_address_failure()
    commit()  # keep the lock and the count; every session of the account has ended
    logout_user()
    session.clear()
    flash(error.message, "info")
    return redirect(url_for("accounts.login"))


def _confirm_page(
    action: Callable[[dict[str, Any]], object], done: Callable[[], Any], **context: Any
) -> Any:
    """Ask for the password and a current code, then run the action."""
    user = current_user._get_current_object()
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        throttle.refuse_if_address_throttled()
        result = load_form(IdentitySchema(), request.form)
        errors = result.errors
        if result.ok:
            assert result.data is not None
            data = result.data
            confirmed = checked(lambda: action(data), field="password")
            if isinstance(confirmed.refusal, AccountLocked):
                return _locked_out(confirmed.refusal)
            errors = confirmed.errors
            if confirmed.ok:
                commit()
                return done()
    return render_template(
        "accounts/confirm_identity.html",
        errors=errors,
        error_list=error_list(errors),
        has_code=user.totp_secret is not None,
        **context,
    ), 400 if errors else 200


@bp.route("/authenticator", methods=["GET", "POST"])
@login_required
def authenticator() -> Any:
    """Set up (or replace) the authenticator app: first the password and a current code."""
    user = current_user._get_current_object()
    return _confirm_page(
        lambda data: start_second_factor_change(
            db.session, user, data["password"], data["current_code"]
        ),
        lambda: redirect(url_for("account.new_authenticator")),
        title="Replace your authenticator app"
        if user.totp_secret
        else "Set up an authenticator app",
        button="Continue",
    )


@bp.route("/authenticator/new", methods=["GET", "POST"])
@login_required
def new_authenticator() -> Any:
    """Show the new app's key (kept on the server) and ask for a code from it."""
    user = current_user._get_current_object()
    secret = mfa.pending_secret(user)
    if secret is None:
        flash("Confirm it is you first: enter your password.", "info")
        return redirect(url_for("account.authenticator"))
    done = posted_code(lambda code: finish_second_factor_change(db.session, user, code))
    if done is not None and isinstance(done.refusal, AccountLocked):
        return _locked_out(done.refusal)
    if done is not None and done.ok:
        commit()
        flash("Your authenticator app is set up. You will need a code to sign in.", "success")
        return redirect(url_for("account.account"))
    errors = done.errors if done else {}
    return render_template(
        "accounts/code.html",
        errors=errors,
        error_list=error_list(errors),
        values={},
        setting_up=True,
        secret=secret,
        qr_svg=Markup(mfa.setup_qr_svg(secret, user.email)),
    ), 400 if errors else 200


@bp.route("/authenticator/remove", methods=["GET", "POST"])
@login_required
def remove_authenticator() -> Any:
    user = current_user._get_current_object()
    if user.roles & MFA_REQUIRED:
        flash("Your role needs an authenticator app: you can replace it, not remove it.", "info")
        return redirect(url_for("account.account"))

    def done() -> Any:
        flash("The authenticator app is no longer needed to sign in.", "success")
        return redirect(url_for("account.account"))

    return _confirm_page(
        lambda data: remove_second_factor(db.session, user, data["password"], data["current_code"]),
        done,
        title="Remove your authenticator app",
        button="Remove the authenticator app",
    )
