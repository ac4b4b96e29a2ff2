"""Admin pages: users, schools, the LA's settings and calendar, the audit log."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import func, select

from fieldvisit.accounts.models import User
from fieldvisit.admin import services
from fieldvisit.admin.schemas import (
    NewUserSchema,
    SchoolSchema,
    SettingsSchema,
    UserSchema,
)
from fieldvisit.core.db import db
from fieldvisit.core.forms import FormResult, error_list, load_form
from fieldvisit.core.outbox import EmailStatus, OutboxEmail
from fieldvisit.core.permissions import Permission, Role
from fieldvisit.core.web import commit, permission_required, save
from fieldvisit.schools.models import School
from fieldvisit.schools.services import current_la

bp = Blueprint("admin", __name__, url_prefix="/admin")

EMAILS_SHOWN = 200


def _page(template: str, **context: Any) -> Any:
    errors = context.get("errors") or {}
    context.setdefault("error_list", error_list(errors))
    return render_template(template, **context), 400 if errors else 200


def _save(
    result: FormResult, action: Callable[[dict[str, Any]], object], done: str, next_url: str
) -> tuple[Any, dict[str, list[str]]]:
    """Run a service on valid input: redirect with a message, or return the errors to show."""
    if not result.ok:
        return None, result.errors
    data = result.data or {}
    saved = save(lambda: action(data))
    if not saved.ok:
        return None, saved.errors
    flash(done, "success")
    return redirect(next_url), {}


def _schools() -> list[School]:
    return list(db.session.scalars(select(School).order_by(School.name)))


def _la() -> Any:
    la = current_la(db.session)
    if la is None:
        flash("Set up the local authority first.", "info")
    return la


@bp.get("/")
@permission_required(Permission.ADMIN_USERS)
def index() -> Any:
    return render_template("admin/index.html", la=current_la(db.session))


@bp.get("/users")
@permission_required(Permission.ADMIN_USERS)
def users() -> Any:
    rows = db.session.scalars(select(User).order_by(User.email)).all()
    return render_template("admin/users.html", users=rows)


@bp.route("/users/new", methods=["GET", "POST"])
@permission_required(Permission.ADMIN_USERS)
def new_user() -> Any:
    values: dict[str, Any] = {"roles": [], "active": "yes"}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(NewUserSchema(), request.form, list_fields=("roles",))
        values = {**result.raw, "password": ""}
        done, errors = _save(
            result,
            lambda data: services.add_user(db.session, current_user, data),
            "User added.",
            url_for("admin.users"),
        )
        if done:
            return done
    return _user_page(None, values, errors)


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@permission_required(Permission.ADMIN_USERS)
def edit_user(user_id: int) -> Any:
    user = db.session.get(User, user_id) or abort(404)
    values: dict[str, Any] = {
        "email": user.email,
        "name": user.name,
        "roles": [r.value for r in user.roles],
        "school_id": str(user.school_id or ""),
        "active": "yes" if user.active else "no",
    }
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(UserSchema(), request.form, list_fields=("roles",))
        values = {**result.raw, "password": ""}
        done, errors = _save(
            result,
            lambda data: services.update_user(db.session, current_user, user, data),
            "User updated.",
            url_for("admin.users"),
        )
        if done:
            return done
    return _user_page(user, values, errors)


def _user_page(user: User | None, values: dict[str, Any], errors: dict[str, list[str]]) -> Any:
    """The form that adds a user (user None) or changes one."""
    return _page(
        "admin/user_form.html",
        values=values,
        errors=errors,
        user=user,
        schools=_schools(),
        roles=list(Role),
    )


@bp.post("/users/<int:user_id>/unlock")
@permission_required(Permission.ADMIN_USERS)
def unlock_user(user_id: int) -> Any:
    user = db.session.get(User, user_id) or abort(404)
    services.unlock_user(db.session, current_user, user)
    commit()
    flash(f"{user.email} can sign in again.", "success")
    return redirect(url_for("admin.users"))


@bp.get("/schools")
@permission_required(Permission.ADMIN_SCHOOLS)
def schools() -> Any:
    return render_template("admin/schools.html", schools=_schools())


@bp.route("/schools/new", methods=["GET", "POST"], defaults={"school_id": None})
@bp.route("/schools/<int:school_id>", methods=["GET", "POST"])
@permission_required(Permission.ADMIN_SCHOOLS)
def edit_school(school_id: int | None) -> Any:
    school = (db.session.get(School, school_id) or abort(404)) if school_id else None
    la = _la()
    if la is None:
        return redirect(url_for("admin.settings"))
    fields = SchoolSchema().fields
    values = {name: getattr(school, name) for name in fields} if school else {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(SchoolSchema(), request.form)
        values = result.raw
        done, errors = _save(
            result,
            lambda data: services.save_school(db.session, current_user, la, data, school),
            "School saved.",
            url_for("admin.schools"),
        )
        if done:
            return done
    return _page("admin/school_form.html", values=values, errors=errors, school=school)


@bp.route("/settings", methods=["GET", "POST"])
@permission_required(Permission.ADMIN_CALENDAR)
def settings() -> Any:
    la = current_la(db.session)
    values = {name: getattr(la, name) for name in SettingsSchema().fields} if la else {}
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        result = load_form(SettingsSchema(), request.form)
        values = result.raw
        done, errors = _save(
            result,
            lambda data: services.save_settings(db.session, current_user, la, data),
            "Settings saved.",
            url_for("admin.index"),
        )
        if done:
            return done
    return _page("admin/settings.html", values=values, errors=errors, la=la)


@bp.get("/emails")
@permission_required(Permission.ADMIN_MAIL)
def emails() -> Any:
    unsent = (EmailStatus.PENDING, EmailStatus.FAILED)
    counts = dict(
        db.session.execute(
            select(OutboxEmail.status, func.count())
            .where(OutboxEmail.status.in_(unsent))
            .group_by(OutboxEmail.status)
        ).all()
    )
    rows = db.session.execute(
        select(
            OutboxEmail.id,
            OutboxEmail.kind,
            OutboxEmail.recipient_roles,
            OutboxEmail.status,
            OutboxEmail.attempts,
            OutboxEmail.created_at,
            OutboxEmail.next_attempt_at,
            OutboxEmail.last_error,
        )
        .where(OutboxEmail.status.in_(unsent))
        .order_by(OutboxEmail.status, OutboxEmail.id)
        .limit(EMAILS_SHOWN)
    ).all()
    return render_template(
        "admin/emails.html",
        emails=rows,
        waiting=counts.get(EmailStatus.PENDING, 0),
        failed=counts.get(EmailStatus.FAILED, 0),
        shown=EMAILS_SHOWN,
    )


@bp.post("/emails/<int:email_id>/retry")
@permission_required(Permission.ADMIN_MAIL)
def retry_email(email_id: int) -> Any:
    email = db.session.get(OutboxEmail, email_id) or abort(404)
    saved = save(lambda: services.retry_email(db.session, current_user, email))
    if saved.refusal is not None:
        flash(saved.refusal.message, "info")
        return redirect(url_for("admin.emails"))
    flash(f"Email {email_id} will be sent at the worker's next round.", "success")
    return redirect(url_for("admin.emails"))


# The calendar's and the audit log's pages attach to this blueprint from their own modules.
from fieldvisit.admin import audit_views, calendar_views  # noqa: E402, F401
